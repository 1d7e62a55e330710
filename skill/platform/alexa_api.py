"""Alexa's own platform APIs, through the ASK SDK's service clients: Timers, Reminders, Settings, permissions.

Every call goes to the request's `apiEndpoint` with its `apiAccessToken` (the SDK's ServiceClientFactory
does that), through `TimedApiClient`, which gives up API_TIMEOUT_SECONDS after the call began, however
slowly the answer trickles in, and reads no more than MAX_ANSWER_BYTES of it: a slow or broken Alexa
service holds neither the user's reply past Alexa's own deadline nor a worker's memory. `AlexaHostsOnly` lets
a call go only to Alexa's own API hosts (ALEXA_API_ENDPOINTS), so the user's token never goes where an
unverified request says. Failures come back as a Result, never an exception, whatever Alexa's API answers
(an HTML 503, an empty 429, a 200 that is not JSON, a time zone of 300 characters): the caller says something
calm and carries on. Log lines name the API and the status, never the user, the device, the token or anything
the user said.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.services import ApiClient, ApiConfiguration, ServiceClientFactory, ServiceException

from skill.platform.envelope import system_of
from skill.platform.scopes import request_scope

if TYPE_CHECKING:  # imported where used: only timers, reminders and permissions need them (a cold start, 3 ms)
    from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

TIMERS = "alexa::alerts:timers:skill:readwrite"
REMINDERS = "alexa::alerts:reminders:skill:readwrite"
SCOPES = {"timer": TIMERS, "reminder": REMINDERS}  # by Alert.kind
API_TIMEOUT_SECONDS = 2.5  # Alexa waits about 8 s for the whole reply; an API call, all of it, may take this much
MAX_ANSWER_BYTES = 64 * 1024  # the answers these calls expect are under 1 KB; nothing past this is read
_ZONE_KEY = "time_zone"  # request attribute: the Settings API's answer, asked once per request at most
# An IANA time zone name ("America/Argentina/Buenos_Aires", "Etc/GMT+5"): anything else is not looked up at all
# (zoneinfo turns a 300-character name into OSError, and "America", a folder, into IsADirectoryError).
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,29}(?:/[A-Za-z0-9_+-]{1,30}){0,2}")


class Result(Enum):
    """How a call to Alexa's APIs went, in the terms the conversation needs."""

    DONE = "done"
    NO_PERMISSION = "no_permission"  # 401/403: the user has not allowed it (or took it back), or said no
    NOT_ANSWERED = "not_answered"  # Alexa asked for the permission and heard no answer: not a no
    FAILED = "failed"  # anything else: 400, 429, 5xx, a timeout, no API in this request
    TIMERS_FULL = "timers_full"  # the Timers API's 403: the user has as many timers as Alexa keeps
    TIMER_RUNNING = "timer_running"  # the Timers API's 400, and a timer with this label is on or paused


class TimedApiClient(ApiClient):
    """Calls Alexa's APIs over HTTPS with one deadline for the whole call and a cap on the answer's size.

    The work is skill/platform/https_client.py's, imported at the first call, not with the skill: most requests never
    reach Alexa's APIs, and a Lambda cold start need not load the TLS and HTTP modules (bench/coldstart.py).
    `cafile` names the certificates to trust instead of certifi's (the tests' loopback fake).
    """

    def __init__(self, timeout: float = API_TIMEOUT_SECONDS, max_bytes: int = MAX_ANSWER_BYTES,
                 cafile: str | None = None):
        self.timeout, self.max_bytes, self.cafile = timeout, max_bytes, cafile
        self._client: ApiClient | None = None

    def invoke(self, request: Any) -> Any:
        if self._client is None:
            from skill.platform.https_client import HttpsApiClient

            self._client = HttpsApiClient(self.timeout, self.max_bytes, self.cafile)
        return self._client.invoke(request)


# The apiEndpoint values Alexa sends (North America, Europe, Far East). With verification off, a request can
# name any host, and the SDK would send the user's Bearer token there: anything else is refused, no call made.
ALEXA_API_ENDPOINTS = frozenset({"https://api.amazonalexa.com", "https://api.eu.amazonalexa.com",
                                 "https://api.fe.amazonalexa.com"})


def _origin(url: object, with_path: bool = False) -> str | None:
    """"https://host[:port]" of an https URL without user-info, query or fragment (or a path, unless allowed)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if (parts.scheme.lower() != "https" or not parts.hostname or "@" in parts.netloc or parts.query
            or parts.fragment or (parts.path and not with_path)):
        return None
    return f"https://{parts.hostname.lower()}" + ("" if port in (None, 443) else f":{port}")


class AlexaHostsOnly(ApiClient):
    """An ApiClient that calls Alexa's own API hosts and nothing else, save one test endpoint a setting names."""

    def __init__(self, client: ApiClient, test_endpoint: str | None = None):
        self.client = client
        self.hosts = ALEXA_API_ENDPOINTS | {origin for origin in (_origin(test_endpoint),) if origin}

    def allows(self, api_endpoint: object) -> bool:
        """Whether a request's apiEndpoint is one this client will call."""
        return _origin(api_endpoint) in self.hosts

    def invoke(self, request: Any) -> Any:
        if _origin(request.url, with_path=True) not in self.hosts:  # `available` says no first; this makes sure
            raise ApiClientException("apiEndpoint is not one of Alexa's: not called")
        return self.client.invoke(request)


def _system(handler_input: HandlerInput) -> Any:
    """The request's context.System (the web layer refuses requests without one; a Lambda event may lack it)."""
    return system_of(handler_input.request_envelope)


def available(handler_input: HandlerInput) -> bool:
    """Whether this request can reach Alexa's APIs at all (a token, one of Alexa's endpoints, a configured client)."""
    system = _system(handler_input)
    factory = handler_input.service_client_factory
    if not (system and system.api_access_token and system.api_endpoint and factory):
        return False
    client = factory.api_configuration.api_client
    return client.allows(system.api_endpoint) if isinstance(client, AlexaHostsOnly) else \
        _origin(system.api_endpoint) in ALEXA_API_ENDPOINTS


def granted(handler_input: HandlerInput, scope: str) -> bool:
    """Whether the request says the user has granted this permission scope."""
    system = _system(handler_input)
    permissions = system.user.permissions if system and system.user else None
    found = (permissions.scopes or {}).get(scope) if permissions else None
    status = getattr(getattr(found, "status", None), "value", None)
    return status == "GRANTED"


def ask_permission(handler_input: HandlerInput, scope: str, token: str) -> None:
    """Have Alexa ask, by voice, for a permission; a Connections.Response with `token` brings the answer."""
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    handler_input.response_builder.add_directive(SendRequestDirective(
        name="AskFor",
        payload={"@type": "AskForPermissionsConsentRequest", "@version": "2",
                 "permissionScopes": [{"permissionScope": scope, "consentLevel": "ACCOUNT"}]},
        token=token,
    ))


def permission_card(handler_input: HandlerInput, scope: str) -> None:
    """A card in the Alexa app that lets the user grant the permission later."""
    from ask_sdk_model.ui import AskForPermissionsConsentCard

    handler_input.response_builder.set_card(AskForPermissionsConsentCard(permissions=[scope]))


def create_timer(handler_input: HandlerInput, minutes: float, label: str, announce: str, locale: str) -> Result:
    """A visible timer that announces `announce` when it ends."""
    from ask_sdk_model.services.timer_management import (
        AnnounceOperation,
        CreationBehavior,
        DisplayExperience,
        NotificationConfig,
        TextToAnnounce,
        TimerRequest,
        TriggeringBehavior,
        Visibility,
    )

    request = TimerRequest(
        duration=_iso_minutes(minutes),
        timer_label=label,
        creation_behavior=CreationBehavior(display_experience=DisplayExperience(visibility=Visibility.VISIBLE)),
        triggering_behavior=TriggeringBehavior(
            operation=AnnounceOperation(text_to_announce=[TextToAnnounce(locale=locale, text=announce)]),
            notification_config=NotificationConfig(play_audible=True),
        ),
    )
    result = _call("timer", lambda factory: factory.get_timer_management_service().create_timer(request), handler_input,
                   {403: Result.TIMERS_FULL, 400: Result.TIMER_RUNNING})
    if result is Result.TIMER_RUNNING and not _label_in_use(handler_input, label):
        return Result.FAILED  # a 400 for some other reason: only a running timer with this label is "running"
    return result


def _label_in_use(handler_input: HandlerInput, label: str) -> bool:
    """Whether one of the skill's timers for this user, on or paused, has this label (the Timers API's list)."""
    found: list[Any] = []
    if _call("timer list", lambda factory: found.append(factory.get_timer_management_service().get_timers()),
             handler_input) is not Result.DONE:
        return False
    timers = getattr(found[0], "timers", None) or []
    return any(getattr(timer, "timer_label", None) == label
               and getattr(getattr(timer, "status", None), "value", None) in ("ON", "PAUSED") for timer in timers)


def time_zone(handler_input: HandlerInput) -> ZoneInfo | None:
    """The device's time zone from the Settings API; None when it cannot be had (the caller falls back).

    Asked once per request at most, however many lines need it: a slow or failing Settings API costs the
    user one wait, not one per use. The answer is kept for this request only, never stored.
    """
    cache = request_scope(handler_input)
    if _ZONE_KEY not in cache:
        cache[_ZONE_KEY] = _ask_time_zone(handler_input)
    zone: ZoneInfo | None = cache[_ZONE_KEY]
    return zone


def _ask_time_zone(handler_input: HandlerInput) -> ZoneInfo | None:
    device = _system(handler_input).device if available(handler_input) else None
    if device is None or not device.device_id:
        return None
    found: list[Any] = []
    if _call("settings", lambda factory: found.append(factory.get_ups_service().get_system_time_zone(device.device_id)),
             handler_input) is not Result.DONE:
        return None
    name = found[0]
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        if isinstance(name, str) and _ZONE_NAME.fullmatch(name):
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    log.warning("settings: time zone not known here; times read without it")
    return None


def create_reminder(handler_input: HandlerInput, due: datetime, now: datetime, text: str, locale: str,
                    zone: ZoneInfo | None) -> Result:
    """A reminder that speaks `text` at `due` (aware, UTC): at the local clock time where the zone is known,
    else the same moment as an offset from now (Alexa's SCHEDULED_RELATIVE needs no time zone)."""
    from ask_sdk_model.services.reminder_management import (
        AlertInfo,
        PushNotification,
        PushNotificationStatus,
        ReminderRequest,
        SpokenInfo,
        SpokenText,
        Trigger,
        TriggerType,
    )

    if zone is not None:
        trigger = Trigger(object_type=TriggerType.SCHEDULED_ABSOLUTE, time_zone_id=str(zone),
                          scheduled_time=due.astimezone(zone).replace(tzinfo=None, microsecond=0))
    else:
        trigger = Trigger(object_type=TriggerType.SCHEDULED_RELATIVE,
                          offset_in_seconds=max(60, int((due - now).total_seconds())))
    request = ReminderRequest(
        request_time=now.replace(microsecond=0),
        trigger=trigger,
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(locale=locale, text=text)])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )
    return _call("reminder", lambda factory: factory.get_reminder_management_service().create_reminder(request),
                 handler_input)


class _Watched(ApiClient):
    """The request's ApiClient, noting the answer's status (the SDK loses it when the body cannot be read),
    or, when there was no answer, the kind of failure (the SDK wraps it in a ServiceException "500")."""

    def __init__(self, client: ApiClient):
        self.client = client
        self.status: int | None = None
        self.failure: str | None = None

    def invoke(self, request: Any) -> Any:
        try:
            response = self.client.invoke(request)
        except Exception as error:
            self.failure = type(error.__cause__ or error).__name__  # TimeoutError, AnswerTooLarge, SSLError...
            raise
        self.status = response.status_code
        return response


def _call(api: str, call: Any, handler_input: HandlerInput, meaning: dict[int, Result] | None = None) -> Result:
    """Run one service-client call; every failure becomes a Result and one log line without ids.

    The outcome rests on the status Alexa sent, not on whether its body could be read: the SDK reads the
    body of every answer, error or not, and raises when it is not the documented JSON (an empty 401, an HTML
    503). Any exception from the call is a failed call, never the user's problem. `meaning` gives a status
    what this API documents it to mean, when the answer is the documented JSON error; otherwise 401 and 403
    are a missing permission, anything else a failure.
    """
    if not available(handler_input):
        log.warning("%s: no API access in this request (no token, or not one of Alexa's endpoints)", api)
        return Result.FAILED
    configuration = handler_input.service_client_factory.api_configuration
    watched = _Watched(configuration.api_client)
    factory = ServiceClientFactory(ApiConfiguration(
        serializer=configuration.serializer, api_client=watched,
        authorization_value=configuration.authorization_value, api_endpoint=configuration.api_endpoint))
    try:
        call(factory)
    except Exception as error:  # whatever the SDK raises for whatever Alexa answered
        status = watched.status
        if status is None:  # no answer at all: a timeout, a refused or dropped connection, not HTTP
            log.warning("%s: no answer from Alexa (%s)", api, watched.failure or type(error).__name__)
            return Result.FAILED
        unread = "" if isinstance(error, ServiceException) else f", not as documented ({type(error).__name__})"
        log.warning("%s: Alexa answered HTTP %s%s", api, status, unread)
        if meaning and status in meaning and not unread:  # a documented meaning needs the documented answer
            return meaning[status]
        return Result.NO_PERMISSION if status in (401, 403) else Result.FAILED
    return Result.DONE


def _iso_minutes(minutes: float) -> str:
    seconds = int(timedelta(minutes=minutes).total_seconds())
    return f"PT{seconds // 60}M" if seconds % 60 == 0 else f"PT{seconds}S"
