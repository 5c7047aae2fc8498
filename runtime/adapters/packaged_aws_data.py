"""botocore's data from the function's archive: the models of the services it calls, cut to its
calls, and an `endpoints.json` cut to these services (`infra/service_models.py` writes the folder).

botocore's own loader, given the folder as a data path, would still do two things at each cold
start that the archive makes needless: list every service it knows (400+ folders, read twice, for
the models and for the endpoint rules: 20-50 ms), and read the whole `endpoints.json` (1.2 MB,
15-40 ms), which the folder's copy would replace only by making botocore treat it as a customer's
file and resolve endpoints another way. This loader lists the folder's services only, and counts
the folder's files as botocore's own data, which they are, cut: endpoints resolve exactly as with
the whole file. Everything else (each service's endpoint rules, partitions, retry settings) comes
from the botocore Lambda provides, so its rules engine reads the rules it was released with.
"""

from __future__ import annotations

from pathlib import Path

from botocore.loaders import Loader

from runtime.contract import SERVICE_MODEL


class PackagedDataLoader(Loader):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's loader, reading `folder` before botocore's own data and knowing only its services."""

    def __init__(self, folder: Path) -> None:
        super().__init__(extra_search_paths=[str(folder)])
        self.folder = folder
        self._services: list[str] | None = None

    def list_available_services(self, type_name: str) -> list[str]:
        """The services the folder has a model of, whatever `type_name` is asked for (`service-2`,
        `endpoint-rule-set-1`): the only clients this function creates. Their other data is found
        where botocore's loader finds it, in botocore's own folder behind this one."""
        if self._services is None:
            self._services = sorted(
                service.name
                for service in self.folder.iterdir()
                if service.is_dir()
                and any(
                    self.file_loader.exists(str(version / SERVICE_MODEL)) for version in service.iterdir()
                )
            )
        return self._services

    def is_builtin_path(self, path: str) -> bool:
        return super().is_builtin_path(path) or Path(path).is_relative_to(self.folder)
