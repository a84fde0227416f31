"""What the FDA publishes about a trial's drugs: label highlights and FAERS report counts.

``names`` turns intervention names into names we may look up (conservatively); ``lookup``
asks openFDA (``sources.openfda``) and keeps only a product whose own name matches; ``text``
shortens label sections for a page; ``cache`` keeps answers in the store with a time-to-live;
``service`` serves pages from the cache and fetches missing drugs in the background, so a page
never waits long on the FDA.
"""
