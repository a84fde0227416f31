"""cleartrial: find clinical trials and understand them."""
__version__ = "0.1.0"
