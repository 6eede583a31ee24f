"""Version of the Neon client, sent in the User-Agent header."""

__version__ = "0.1.0"
USER_AGENT = f"workshelf-infra/{__version__}"
