"""The launcher and command line of the marketplace platform (``marketplace up``, ``migrate``, ...)."""
