"""LiveDeck's headless core: domain, services and protocol adapters. Never imports Qt."""

__version__ = "0.1.0"
