"""Each concern's request bodies (msgspec Structs) and answers (TypedDicts), a module
per concern; the machinery they share is chalicelib.validation."""
