"""A migration operation for state-only changes (verbose names) of many fields at once."""

from django.db import migrations


class StateOnly(migrations.SeparateDatabaseAndState):
    """State operations (AlterField, AlterModelOptions) that change nothing in the database,
    applied with one re-rendering of the models they touch. ``migrate`` keeps its state's
    models rendered, and each AlterField re-renders its model and every model related to it:
    the 194 verbose-name changes of the staff console took a third of a ``migrate`` from
    nothing. tests/test_project.py checks that none alters a column."""

    def __init__(self, state_operations):
        super().__init__(state_operations=state_operations)

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"state_operations": self.state_operations}

    def state_forwards(self, app_label, state):
        apps = state.__dict__.pop("apps", None)  # no rendered models: nothing re-rendered
        try:
            super().state_forwards(app_label, state)
        finally:
            if apps is not None:
                state.__dict__["apps"] = apps
        if apps is not None:
            touched = {
                (app_label, getattr(op, "model_name_lower", None) or op.name_lower)
                for op in self.state_operations
            }
            state.reload_models(touched, delay=False)
