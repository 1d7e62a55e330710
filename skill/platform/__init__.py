"""Alexa's platform: the request envelope, the serializer, request scopes, Alexa's REST APIs over HTTPS."""
