"""Job parameters → a job type's request model, with errors a form can show per field.

Kept apart from :mod:`.requests` (which imports the engine's models) so the registry,
the manager and the CLI can turn a pydantic ``ValidationError`` into an
:class:`~media_core.errors.InvalidParameterError` without importing the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import InvalidParameterError

M = TypeVar("M", bound=BaseModel)

#: pydantic's wording for the common cases, rewritten for the person filling the form.
_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown setting",
}


def field_errors(
    errors: Iterable[Mapping[str, Any]], flat_groups: tuple[str, ...] = (), skip: tuple[str, ...] = ()
) -> dict[str, str]:
    """``{"field": "message"}`` for pydantic's ``exc.errors()``; nested fields are dotted (``trim.end``).

    ``flat_groups`` names nested models whose fields the request also takes flat (the
    captions request routes ``max_lines`` into ``grouping``): their prefix is dropped, so
    the key is the name the form sent. ``skip``: leading location parts to drop (FastAPI's
    ``body``)."""
    found: dict[str, str] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        while loc and loc[0] in skip:
            loc = loc[1:]
        if len(loc) > 1 and loc[0] in flat_groups:
            loc = loc[1:]
        key = ".".join(loc) or "__root__"
        message = _MESSAGES.get(err.get("type", ""), str(err.get("msg", "invalid")))
        message = message.removeprefix("Value error, ")
        found.setdefault(key, message)
    return found


def summary(errors: Mapping[str, str]) -> str:
    """``field: problem; field: problem`` on one line (CLI, logs, a form's top label)."""
    return "; ".join(message if key == "__root__" else f"{key}: {message}" for key, message in errors.items())


def validate_request(model: type[M], params: Mapping[str, Any] | BaseModel, what: str = "this job") -> M:
    """``model`` built from ``params`` (a dict, or a model to re-check), or an
    :class:`InvalidParameterError` whose ``field_errors`` say what is wrong where."""
    data = params.model_dump() if isinstance(params, BaseModel) else dict(params)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc.errors(), tuple(getattr(model, "FLAT_GROUPS", ())))
        raise InvalidParameterError(
            f"Invalid settings for {what}: {summary(errors).rstrip('.')}.", detail=str(exc), field_errors=errors
        ) from exc
