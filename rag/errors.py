"""Errors shown to the person using the app.

Every message is written to be read as it is: the CLI prints it on one line, the UI shows it with
``st.error``. Nothing here carries a traceback for bad input.
"""


class RagError(Exception):
    """Base class of every error the app reports to its user."""


class ConfigError(RagError):
    """A setting has a value the app cannot use."""


class ModelNotFoundError(RagError):
    """An embedding model or LLM is not available on this machine."""


class LoadError(RagError):
    """A file could not be read into documents (corrupt, empty, unsupported, too large)."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class CollectionError(RagError):
    """A collection is missing, misnamed, or cannot be used as configured."""


class ClusterError(RagError):
    """Ray is missing, could not be started or reached, or the work sent to it failed (nothing was changed)."""


class LLMServerError(RagError):
    """The LLM server of RAG_LLM_URL could not be reached, refused the request, or broke off its answer."""


class Cancelled(RagError):
    """A job was cancelled by its user; it stopped before committing anything."""
