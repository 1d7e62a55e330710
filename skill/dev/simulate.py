"""Hold a spoken-style conversation with the skill, typed: `python -m skill.simulate`.

Each line you type is resolved to an intent and slots from the real interaction model (skill/dev/nlu.py),
wrapped in a full Alexa request envelope with a stable user, device and session, and sent through
the same app (in-process, or to a running server with --url). It prints what Alexa would say, with
pauses shown as [pause 4s], the reprompt, directives, and when the session ends.

As on a device:
  open back spasm helper              a new session (LaunchRequest)
  ask back spasm helper heat or ice   a new session with one request in it
  (an empty line)                     silence: the reprompt; a second silence ends the session
  stop                                AMAZON.StopIntent, like anything else you say
Ctrl-D (or /quit) leaves the simulator.

Each run is a new user unless --user or --same-user says otherwise, so a second try does not hear
"welcome back" and an old routine offered back.

--replay-out FILE writes what you said as an ASK CLI replay file, for `ask dialog --replay FILE` against the
deployed skill: JSON with skillId, locale, type "text" and userInput, one entry per line you spoke (silences and
screen touches, which ask dialog cannot send, are left out), ending with ".quit".
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from skill.dev.fake_alexa_api import FakeAlexaApi, FakeApiClient
from skill.dev.nlu import Resolution, Resolver, as_request, normalize, resolver_summary, shared
from skill.platform.alexa_api import REMINDERS, TIMERS
from skill.words import ssml

SAME_USER = "amzn1.ask.account.SIMULATOR"
API_TOKEN = "simulator"  # the apiAccessToken the simulator's envelopes carry, and its fake API expects
YES = re.compile(r"^(?:yes|yeah|yep|sure|ok|okay|i approve|approve|allow|please do)\b")
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
_BREAKS = re.compile(r"(?:\s*<break time=\"(\d+)ms\"/>)+")
ESPEAK = ["espeak-ng", "-s", str(ssml.WORDS_PER_MINUTE), "-m"]  # at the rate ssml.py estimates a device's voice at
_BREAK_RUN = re.compile(r"<break\s+time=\"\d+(?:\.\d+)?m?s\"\s*/>(?:\s*<break\s+time=\"\d+(?:\.\d+)?m?s\"\s*/>)+")

Send = Callable[[dict[str, Any]], dict[str, Any]]

# What Alexa itself asks when a skill asks for a permission by voice (Alexa docs, "Set Up Voice Permissions for
# Reminders": "Do you give Sports News Example permission to update your reminders? You can say I approve or no.");
# the skill cannot change these words. Timers are asked for the same way.
CONSENT = "Do you give {skill} permission to update your {what}? You can say I approve or no."
CONSENT_WHAT = {REMINDERS: "reminders", TIMERS: "timers"}
ASK_STATES = Path(".ask") / "ask-states.json"  # where `ask deploy` records the skill id it deployed


def replay_file(skill_id: str, locale: str, said: Sequence[str]) -> str:
    """An ASK CLI `ask dialog --replay` file: JSON with skillId, locale, type "text" and userInput, which may hold
    no empty entry (ask-cli refuses one) and ends with ".quit" (else ask dialog stays open, interactive)."""
    lines = [" ".join(line.split()) for line in said]
    user_input = [line for line in lines if line] + [".quit"]
    return json.dumps({"skillId": skill_id, "locale": locale, "type": "text", "userInput": user_input}, indent=2) + "\n"


def deployed_skill_id(states: Path = ASK_STATES) -> str | None:
    """The skill id `ask deploy` wrote to .ask/ask-states.json (default profile), if there is one."""
    try:
        found = json.loads(states.read_text(encoding="utf-8"))["profiles"]["default"]["skillId"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, str) and found.strip() else None


def spoken_text(markup: str) -> str:
    """SSML as a reader would hear it: words, and every run of silence as [pause Ns]."""
    def pause(match: re.Match[str]) -> str:
        seconds = sum(int(ms) for ms in re.findall(r'time="(\d+)ms"', match.group(0))) / 1000
        return f" [pause {seconds:g}s] "

    text = ssml.plain_text(_BREAKS.sub(pause, markup))
    return re.sub(r" ([,.;:?!])", r"\1", " ".join(text.split()))


def for_espeak(markup: str) -> str:
    """SSML as espeak-ng should get it: each run of <break>s as one break of their total length.

    Alexa allows at most 10 s per break, so a longer silence is a chain of them; espeak-ng keeps only the
    longest break of a run ("stay quiet for about 30 seconds" played 10 s), but plays a single break of
    any length (measured to 150 s, the longest a response may run). Merged, the silences are a device's.
    """
    def merged(match: re.Match[str]) -> str:
        return f'<break time="{round(ssml.pause_seconds(match.group(0)) * 1000)}ms"/>'

    return _BREAK_RUN.sub(merged, markup)


def in_process(api: FakeAlexaApi | None = None) -> Send:
    """Requests go straight into the app, verification off (these requests are not signed).

    Alexa's APIs (timers, reminders, settings) are the fake in skill/dev/fake_alexa_api.py, reached through
    the SDK's own service clients; each call it gets is printed after the reply.
    """
    import logging

    from skill import create_app

    logging.getLogger("skill").setLevel(logging.ERROR)  # the skill's own log lines would drown the conversation
    config = {"VERIFY_SIGNATURE": False, "VERIFY_TIMESTAMP": False, "API_CLIENT": FakeApiClient(api or FakeAlexaApi())}
    client = create_app(config).test_client()

    def send(body: dict[str, Any]) -> dict[str, Any]:
        reply = client.post("/", data=json.dumps(body), content_type="application/json")
        return reply.get_json() or {"error": f"HTTP {reply.status_code}"}
    return send


def over_http(url: str) -> Send:
    """Requests go to a running server (it must run with verification off to accept them)."""
    def send(body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return {"error": f"HTTP {error.code}: {error.read().decode(errors='replace')[:300]}"}
    return send


@dataclass
class Device:
    """One Echo, one user: the session, its attributes, and what was last said."""

    send: Send
    resolver: Resolver
    out: TextIO | None = None  # None: whatever sys.stdout is when something is said
    user_id: str = field(default_factory=lambda: f"amzn1.ask.account.SIM-{uuid.uuid4()}")
    device_id: str = "amzn1.ask.device.SIMULATOR"
    show_json: bool = False
    speak: bool = False
    session_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)
    silences: int = 0
    fresh: bool = False  # the next request is the first of its session
    api: FakeAlexaApi | None = None  # the fake of Alexa's APIs the in-process skill calls (None: --url)
    granted: set[str] = field(default_factory=set)  # permission scopes this user has granted, as Alexa reports them
    asking: dict[str, Any] | None = None  # an AskFor that Alexa is putting to the user: the next words answer it
    locale: str = "en-US"
    screen: bool = False  # an Echo Show: the request says it supports APL, and "touch next" presses a button
    spoken: list[str] = field(default_factory=list)  # every line the user said, for a replay file

    def hear(self, line: str) -> None:
        """What the user says (or an empty line: silence)."""
        words = normalize(line)
        if words and not (self.screen and re.fullmatch(r"touch \w+", words)):
            self.spoken.append(line.strip())
        words = re.sub(r"^alexa\s+", "", words)
        invocation = self.resolver.invocation
        if self.asking is not None:
            return self._permission_answer(words)
        touched = re.fullmatch(r"touch (\w+)", words)
        if touched and self.screen and self.session_id is not None:
            request = {"type": "Alexa.Presentation.APL.UserEvent", "token": "screen", "arguments": [touched.group(1)]}
            return self._turn(request, f"a touch on the screen: {touched.group(1)}")
        if not words:
            return self._silence()
        if re.fullmatch(rf"(?:open|launch|start|talk to|run) {invocation}", words):
            self._new_session()
            return self._turn({"type": "LaunchRequest"}, "LaunchRequest (invocation)")
        one_shot = re.fullmatch(rf"(?:ask|tell|use) {invocation}(?: (?:to|about|for|if|whether|that))? (.+)", words)
        if one_shot:
            self._new_session()
            return self._resolve_and_send(one_shot.group(1))
        if self.session_id is None:
            self._note(f"(the skill is closed: say 'open {invocation}' or 'ask {invocation} ...')")
            return None
        return self._resolve_and_send(words)

    def _permission_answer(self, words: str) -> None:
        """Alexa asked for a permission: yes grants it, no denies it, silence leaves it unanswered."""
        directive, self.asking = self.asking or {}, None
        status = "NOT_ANSWERED" if not words else "ACCEPTED" if YES.match(words) else "DENIED"
        scopes = [scope.get("permissionScope") for scope in directive.get("payload", {}).get("permissionScopes", [])]
        if status == "ACCEPTED":
            self.granted.update(scope for scope in scopes if scope)
            if self.api is not None:
                self.api.granted.update(scope for scope in scopes if scope)
        request = {"type": "Connections.Response", "name": "AskFor", "status": {"code": "200", "message": "OK"},
                   "token": directive.get("token", ""), "payload": {"status": status, "permissionScope": scopes[0] if scopes else ""}}
        self._turn(request, f"Connections.Response: permission {status}")

    def _resolve_and_send(self, words: str) -> None:
        resolution = self.resolver.resolve(words, self._eliciting())
        self._turn(as_request(resolution), resolver_summary(resolution), resolution)

    def _eliciting(self) -> tuple[str, str] | None:
        for directive in self.last.get("response", {}).get("directives") or []:
            if directive.get("type") == "Dialog.ElicitSlot":
                return directive.get("updatedIntent", {}).get("name", ""), directive.get("slotToElicit", "")
        return None

    def _silence(self) -> None:
        if self.session_id is None:
            return
        if self.silences == 0:
            self.silences = 1
            reprompt = (self.last.get("response", {}).get("reprompt") or {}).get("outputSpeech", {}).get("ssml", "")
            self._say("Alexa (reprompt)", reprompt)
            return
        self._turn({"type": "SessionEndedRequest", "reason": "EXCEEDED_MAX_REPROMPTS"}, "silence twice: the session times out")

    def _new_session(self) -> None:
        if self.session_id is not None:
            self._turn({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}, "a new invocation ends the open session")
        self.session_id = f"amzn1.echo-api.session.SIM-{uuid.uuid4()}"
        self.attributes, self.last, self.fresh = {}, {}, True

    def _envelope(self, request: dict[str, Any], new: bool) -> dict[str, Any]:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        request = {"requestId": f"amzn1.echo-api.request.SIM-{uuid.uuid4()}", "timestamp": stamp, "locale": self.locale,
                   **request}
        return {
            "version": "1.0",
            "session": {"new": new, "sessionId": self.session_id, "application": {"applicationId": SKILL_ID},
                        "attributes": self.attributes, "user": {"userId": self.user_id}},
            "context": {"System": {"application": {"applicationId": SKILL_ID}, "user": self._user(),
                                   "device": {"deviceId": self.device_id, "supportedInterfaces": self._interfaces()},
                                   "apiEndpoint": "https://api.amazonalexa.com", "apiAccessToken": API_TOKEN}},
            "request": request,
        }

    def _interfaces(self) -> dict[str, Any]:
        return {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}} if self.screen else {}

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"userId": self.user_id}
        if self.granted:
            user["permissions"] = {"scopes": {scope: {"status": "GRANTED"} for scope in sorted(self.granted)}}
        return user

    def _turn(self, request: dict[str, Any], why: str, resolution: Resolution | None = None) -> None:
        body = self._envelope(request, self.fresh)
        self.fresh = False
        self._note(f"  -> {why}")
        query = ((request.get("intent") or {}).get("slots") or {}).get("query", {}).get("value")
        if query:
            self._note(f"  matcher: {self._matched(query)}")
        calls_before = len(self.api.calls) if self.api else 0
        reply = self.send(body)
        for call in self.api.calls[calls_before:] if self.api else []:
            self._note(f"  alexa api: {call}")
        if self.show_json:
            self._note(json.dumps({"request": body, "response": reply}, indent=2))
        self.silences = 0
        if "error" in reply:
            self._note(f"  !! {reply['error']}")
            return
        response = reply.get("response", {})
        if request["type"] == "SessionEndedRequest":
            self._close("(session ended)")
            return
        self._say("Alexa", (response.get("outputSpeech") or {}).get("ssml", ""))
        reprompt = (response.get("reprompt") or {}).get("outputSpeech", {}).get("ssml")
        if reprompt:
            self._note(f"  reprompt: {spoken_text(reprompt)}")
        for directive in response.get("directives") or []:
            detail = directive.get("slotToElicit") or directive.get("name") or ""
            self._note(f"  directive: {directive.get('type')}{f' ({detail})' if detail else ''}")
            shown = (directive.get("datasources") or {}).get("screen")
            if directive.get("type") == "Alexa.Presentation.APL.RenderDocument" and shown:
                parts = [shown.get(key) for key in ("title", "progress", "line", "detail", "hint") if shown.get(key)]
                buttons = " ".join(f"[{c['label']}]" for c in shown.get("controls", [])) if shown.get("buttons") else ""
                self._note(f"  screen: {' | '.join(parts)}{f'  {buttons}' if buttons else ''}")
            if directive.get("type") == "Connections.SendRequest" and directive.get("name") == "AskFor":
                self.asking = directive
        if response.get("card"):
            card = response["card"]
            self._note(f"  card: {card.get('type')} {' '.join(card.get('permissions') or [])}".rstrip())
        if self.asking is not None:
            self._say("Alexa (its own question)", self._consent_question(self.asking))
            self.attributes = reply.get("sessionAttributes") or {}
            self.last = reply
        elif response.get("shouldEndSession", True):
            self._close("(session ended)")
        else:
            self.attributes = reply.get("sessionAttributes") or {}
            self.last = reply

    def _matched(self, text: str) -> str:
        """How the content's matcher reads free-form words: the topics they name, scored, and what it decided."""
        from skill.words.content import load

        matcher = load(self.locale).matcher
        decided = matcher.match(text)
        ranked = matcher.ranked(text)
        named = ", ".join(f"{topic} {sum(score)} ({' / '.join(phrases)})" for topic, score, phrases in ranked[:3])
        if decided.kind != "none":
            return f"{decided.kind} {decided.id}" + (f"  [{named}]" if decided.kind == "topic" else "")
        if not ranked:
            return "no topic's words heard: not sure"
        tie = len(ranked) > 1 and ranked[0][1] == ranked[1][1]
        return f"{named}: {'a tie' if tie else 'too weak a score'}, so not sure"

    def _consent_question(self, directive: dict[str, Any]) -> str:
        """Alexa's question for an AskFor directive, naming the skill and what it may do in words."""
        from skill.words.content import load

        scopes = [scope.get("permissionScope", "") for scope in directive.get("payload", {}).get("permissionScopes", [])]
        what = " and ".join(CONSENT_WHAT.get(scope, "information") for scope in scopes) or "information"
        return CONSENT.format(skill=load(self.locale).skill_name, what=what)

    def _close(self, note: str) -> None:
        self._note(f"  {note}")
        self.session_id, self.attributes, self.last = None, {}, {}

    def _say(self, who: str, markup: str) -> None:
        print(f"{who}: {spoken_text(markup)}", file=self.out or sys.stdout)
        if self.speak and markup:
            subprocess.run(ESPEAK + [for_espeak(markup)], check=False)

    def _note(self, text: str) -> None:
        print(text, file=self.out or sys.stdout)


def main(argv: list[str] | None = None) -> int:
    """The console: interactive, or the --say turns then exit."""
    parser = argparse.ArgumentParser(prog="python -m skill.simulate", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--say", action="append", default=[], metavar="WORDS",
                        help="one turn (repeatable; '' is silence); runs these and exits")
    parser.add_argument("--url", help="send to a running server (verification off) instead of in-process")
    parser.add_argument("--user", help="the Alexa user id to speak as (default: a new user each run)")
    parser.add_argument("--same-user", action="store_true", help=f"speak as {SAME_USER}, the same each run")
    parser.add_argument("--speak", action="store_true", help="read replies aloud with espeak-ng, pauses included")
    parser.add_argument("--json", action="store_true", help="print each request and response as JSON")
    parser.add_argument("--screen", action="store_true",
                        help="be an Echo Show: print what the screen shows; 'touch next' presses a button")
    parser.add_argument("--locale", default="en-US", help="the request locale (en-GB, en-AU, ...; default en-US)")
    parser.add_argument("--replay-out", metavar="FILE", type=Path,
                        help="on leaving, write what you said as an ASK CLI replay file (ask dialog --replay FILE)")
    parser.add_argument("--skill-id", help="the skillId of that file (default: the one ask deploy recorded in "
                                           f"{ASK_STATES}, else {SKILL_ID})")
    args = parser.parse_args(argv)
    if args.speak and shutil.which("espeak-ng") is None:
        print("--speak needs espeak-ng (Debian: apt-get install espeak-ng); continuing without it.", file=sys.stderr)
        args.speak = False
    api = None if args.url else FakeAlexaApi(token=API_TOKEN, granted=set())  # a new user has granted nothing yet
    device = Device(send=over_http(args.url) if args.url else in_process(api), resolver=shared(),
                    show_json=args.json, speak=args.speak, api=api, screen=args.screen, locale=args.locale)
    if args.user or args.same_user:
        device.user_id = args.user or SAME_USER
    try:
        converse(device, args.say)
    finally:
        if args.replay_out:
            skill_id = args.skill_id or deployed_skill_id() or SKILL_ID
            args.replay_out.write_text(replay_file(skill_id, args.locale, device.spoken), encoding="utf-8")
            print(f"(wrote {args.replay_out}: ask dialog --replay {args.replay_out})", file=sys.stderr)
    return 0


def converse(device: Device, turns: list[str]) -> None:
    """The --say turns, or lines typed at the prompt until Ctrl-D or /quit."""
    if turns:
        for line in turns:
            print(f"you> {line}")
            device.hear(line)
        return
    print(f"Back Spasm Helper simulator. Start with: open {device.resolver.invocation}  (Ctrl-D to leave)")
    while True:
        try:
            line = input("you> ")
        except EOFError:
            print()
            return
        if line.strip() == "/quit":
            return
        device.hear(line)


if __name__ == "__main__":
    sys.exit(main())
