"""The one JSON error envelope: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Messages coordinators read, by HTTP status.
MESSAGES_ZH = {
    400: "请求格式或参数有误",
    401: "需要有效的访问令牌",
    403: "没有执行此操作的权限",
    404: "未找到请求的资源",
    405: "此地址不支持该请求方法",
    409: "数据已被他人修改，请刷新后重试",
    413: "请求内容过大",
    415: "不支持的内容类型，请使用 application/json",
    422: "请求有效，但无法满足",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
    503: "服务暂时不可用，请稍后再试",
}


class ErrorBody(BaseModel):
    """Error detail inside the envelope."""

    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every error response has this shape."""

    error: ErrorBody


class ApiError(Exception):
    """An error meant for the client, rendered in the envelope with its status."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    """Build an envelope response."""
    resp = jsonify({"error": {"code": code, "message": message, "details": details}})
    resp.status_code = status
    return resp


def validation_error_response(exc: ValidationError) -> Response:
    """Turn a pydantic validation error on request input into a 400 naming each field."""
    details = [
        {"field": ".".join(str(p) for p in err["loc"]), "problem": err["msg"], "type": err["type"]}
        for err in json.loads(exc.json(include_url=False, include_context=False))
    ]
    fields = "、".join(d["field"] for d in details if d["field"]) or "请求"
    return error_response(400, "invalid_request", f"参数无效：{fields}", details)


def _code_for(exc: HTTPException) -> str:
    """Return a snake_case error code from an HTTP exception's name."""
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def register_error_handlers(app: Flask) -> None:
    """Render every error, expected or not, in the JSON envelope."""

    @app.before_request
    def _refuse_oversized_bodies() -> None:
        # Refuse by the declared length before routing, so no endpoint ever reads such a body.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and request.content_length and request.content_length > limit:
            abort(413)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        if exc.response is not None and exc.code == 400:
            # flask-openapi3 aborts with a ready response built by validation_error_response.
            return exc.response
        status = exc.code or 500
        resp = error_response(status, _code_for(exc), MESSAGES_ZH.get(status, exc.name or ""))
        if status == 405 and exc.valid_methods:
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal_error", MESSAGES_ZH[500])
