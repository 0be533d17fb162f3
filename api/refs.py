"""Small reference schemas embedded in other resources' output."""

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    """Base of output schemas: read from ORM attributes."""

    model_config = ConfigDict(from_attributes=True)


class CodeRef(Out):
    """A reference to a coded vocabulary entry (district, department, specialty …)."""

    id: int
    code: str
    name: str


class NameRef(Out):
    """A reference to a named entity without a code."""

    id: int
    name: str
