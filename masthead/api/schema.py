"""The OpenAPI 3.0 description of /api/v1/, served at /api/v1/schema/ and checked
against the running app in tests (schemathesis)."""

_ERROR = {"$ref": "#/components/responses/Error"}
_ERROR_BODY = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
_PAGE_PARAMS = [
    {"$ref": "#/components/parameters/page"},
    {"$ref": "#/components/parameters/page_size"},
]


def _list_of(item_ref: str) -> dict:
    return {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "additionalProperties": False,
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "next": {"type": "string", "format": "uri", "nullable": True},
            "previous": {"type": "string", "format": "uri", "nullable": True},
            "results": {"type": "array", "items": {"$ref": item_ref}},
        },
    }


def _ok(schema_ref: str) -> dict:
    return {
        "200": {
            "description": "OK",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": schema_ref}}},
        },
        "304": {
            "description": "Not modified: If-None-Match names the current ETag (compared "
            'weakly, so W/"…" matches too), one of a list of them, or is *.'
        },
        "400": _ERROR,
        "401": _ERROR,
        "404": _ERROR,
        "412": {
            "description": "If-Match names no current ETag, or If-Unmodified-Since was sent.",
            "content": {"application/json": {"schema": _ERROR_BODY}},
        },
        "429": {
            "description": "Too many requests from this key (or, without one, this address) "
            "in the current minute.",
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
            "content": {"application/json": {"schema": _ERROR_BODY}},
        },
    }


_SLUG = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}

SCHEMA = {
    "openapi": "3.0.3",
    "info": {
        "title": "Masthead content API",
        "version": "1",
        "description": "Read-only. Anonymous callers and ordinary keys get the teaser of "
        "metered and subscribers-only articles; full-text keys get whole articles. Send a key "
        "as 'Authorization: Bearer <key>'.",
    },
    "security": [{}, {"apiKey": []}],
    "paths": {
        "/api/v1/articles/": {
            "get": {
                "operationId": "listArticles",
                "summary": "Published articles, newest first",
                "parameters": [
                    {"name": "section", "in": "query", "schema": _SLUG},
                    {"name": "author", "in": "query", "schema": _SLUG},
                    {"name": "tag", "in": "query", "schema": _SLUG},
                    {
                        "name": "published_after",
                        "in": "query",
                        "schema": {"type": "string", "format": "date"},
                    },
                    {
                        "name": "published_before",
                        "in": "query",
                        "schema": {"type": "string", "format": "date"},
                    },
                    *_PAGE_PARAMS,
                ],
                "responses": _ok("#/components/schemas/ArticleList"),
            }
        },
        "/api/v1/articles/{id}/": {
            "get": {
                "operationId": "getArticle",
                "summary": "One article with the body this caller may read",
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                    }
                ],
                "responses": _ok("#/components/schemas/ArticleDetail"),
            }
        },
        "/api/v1/sections/": {
            "get": {
                "operationId": "listSections",
                "parameters": _PAGE_PARAMS,
                "responses": _ok("#/components/schemas/SectionList"),
            }
        },
        "/api/v1/authors/": {
            "get": {
                "operationId": "listAuthors",
                "parameters": _PAGE_PARAMS,
                "responses": _ok("#/components/schemas/AuthorList"),
            }
        },
    },
    "components": {
        "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        "parameters": {
            "page": {
                "name": "page",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
            },
            "page_size": {
                "name": "page_size",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 50},
            },
        },
        "responses": {
            "Error": {
                "description": "What was wrong",
                "content": {"application/json": {"schema": _ERROR_BODY}},
            }
        },
        "schemas": {
            "Ref": {
                "type": "object",
                "required": ["slug"],
                "properties": {"slug": {"type": "string"}, "title": {"type": "string"}},
            },
            "Article": {
                "type": "object",
                "required": [
                    "id",
                    "url",
                    "headline",
                    "dek",
                    "section",
                    "authors",
                    "tags",
                    "published",
                    "updated",
                    "access",
                ],
                "properties": {
                    "id": {"type": "integer"},
                    "url": {"type": "string", "format": "uri"},
                    "headline": {"type": "string"},
                    "dek": {"type": "string"},
                    "section": {
                        "nullable": True,
                        "allOf": [{"$ref": "#/components/schemas/Ref"}],
                    },
                    "authors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["slug", "name"],
                            "properties": {
                                "slug": {"type": "string"},
                                "name": {"type": "string"},
                            },
                        },
                    },
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "published": {"type": "string", "format": "date-time"},
                    "updated": {"type": "string", "format": "date-time", "nullable": True},
                    "access": {"type": "string", "enum": ["free", "metered", "subscribers"]},
                },
            },
            "ArticleDetail": {
                "allOf": [
                    {"$ref": "#/components/schemas/Article"},
                    {
                        "type": "object",
                        "required": ["body", "complete"],
                        "properties": {
                            "body": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["type", "html"],
                                    "properties": {
                                        "type": {"type": "string"},
                                        "html": {"type": "string"},
                                    },
                                },
                            },
                            "complete": {
                                "type": "boolean",
                                "description": "False when the body is the teaser only.",
                            },
                        },
                    },
                ]
            },
            "Section": {
                "type": "object",
                "required": ["slug", "title", "url"],
                "properties": {
                    "slug": {"type": "string"},
                    "title": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                },
            },
            "Author": {
                "type": "object",
                "required": ["slug", "name", "role", "team", "url"],
                "properties": {
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "role": {"type": "string"},
                    "team": {"type": "boolean"},
                    "url": {"type": "string", "format": "uri"},
                },
            },
            "ArticleList": _list_of("#/components/schemas/Article"),
            "SectionList": _list_of("#/components/schemas/Section"),
            "AuthorList": _list_of("#/components/schemas/Author"),
        },
    },
}
