"""botocore's data from the function's archive: the models of the services it calls, cut to its
calls, their endpoint rules and an `endpoints.json` cut to these services (`infra/service_models.py`
writes the folder).

botocore's own loader, given the folder as a data path, would still do two things at each cold
start that the archive makes needless: list every service it knows (400+ folders, read twice, for
the models and for the endpoint rules: 20-50 ms), and read the whole `endpoints.json` (1.2 MB,
15-40 ms), which the folder's copy would replace only by making botocore treat it as a customer's
file and resolve endpoints another way. This loader lists the folder's services only, and counts
the folder's files as botocore's own data, which they are, cut: endpoints resolve exactly as with
the whole file. Anything the folder lacks (a file another botocore version reads) still comes from
botocore's own folder.
"""

from __future__ import annotations

from pathlib import Path

from botocore.loaders import Loader


class PackagedDataLoader(Loader):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's loader, reading `folder` before botocore's own data and knowing only its services."""

    def __init__(self, folder: Path) -> None:
        super().__init__(extra_search_paths=[str(folder)])
        self.folder = folder
        self._services: dict[str, list[str]] = {}

    def list_available_services(self, type_name: str) -> list[str]:
        """The folder's services that have a `type_name` file (`service-2`, `endpoint-rule-set-1`):
        the only clients this function creates."""
        if type_name not in self._services:
            self._services[type_name] = sorted(
                service.name
                for service in self.folder.iterdir()
                if service.is_dir()
                and any(self.file_loader.exists(str(version / type_name)) for version in service.iterdir())
            )
        return self._services[type_name]

    def is_builtin_path(self, path: str) -> bool:
        return super().is_builtin_path(path) or Path(path).is_relative_to(self.folder)
