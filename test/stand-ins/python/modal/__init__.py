"""The stand-in modal client's Python side: modal.Function.from_name(...).get_web_url()
over the fake account file (FAKE_MODAL_ACCOUNT), as py/modal/_functions.py answers
it (modal 1.5.4): the web URL of a deployed app's web function, or NotFoundError."""
import json
import os


class exception:  # noqa: N801 - the module path modal.exception in the real client
    class NotFoundError(Exception):
        pass


NotFoundError = exception.NotFoundError


class _Function:
    def __init__(self, app_name, name, environment_name):
        self.app_name = app_name
        self.name = name
        self.environment_name = environment_name or "main"

    def get_web_url(self):
        with open(os.environ["FAKE_MODAL_ACCOUNT"]) as handle:
            account = json.load(handle)
        app = account["apps"].get(f"{self.environment_name}/{self.app_name}")
        if app is None or app["state"] != "deployed":
            raise NotFoundError(f"Lookup failed for Function '{self.name}' from the '{self.app_name}' app: App '{self.app_name}' not found in environment '{self.environment_name}'.")
        return app["webUrl"] if self.name == "web" else None


class Function:
    @staticmethod
    def from_name(app_name, name, *, version=None, environment_name=None):
        return _Function(app_name, name, environment_name)
