#!/usr/bin/python3
"""Reference renderer: Python Jinja2 configured exactly as transformers does.

ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols
extension, a {% generation %} tag that renders its body, tojson = json.dumps with
ensure_ascii=False by default, and the raise_exception / strftime_now globals.

Usage:
  jinja_oracle.py --template FILE --context FILE.json   (prints the rendering, exit 1 on error)
  jinja_oracle.py --batch CASES.json                    (CASES: [{"template", "context"}];
      prints a JSON list of {"ok": true, "text": ...} or {"ok": false, "error": ...})
  jinja_oracle.py --bench TEMPLATE_FILE CONTEXTS.json ROUNDS
      (renders every context ROUNDS times with one compiled template; prints renders per
       CPU second)
"""
import json
import sys
import time
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTag(Extension):
    """{% generation %}...{% endgeneration %}: rendered as its content."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render_body"), [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def make_environment():
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True,
        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, template_text, context):
    return env.from_string(template_text).render(**context)


def main(argv):
    env = make_environment()
    if argv[1] == "--batch":
        with open(argv[2], encoding="utf-8") as f:
            cases = json.load(f)
        results = []
        compiled = {}
        for case in cases:
            try:
                tpl = compiled.get(case["template"])
                if tpl is None:
                    tpl = env.from_string(case["template"])
                    compiled[case["template"]] = tpl
                text = tpl.render(**json.loads(case["context"]))
                results.append({"ok": True, "text": text})
            except Exception as e:  # the error's type and message, for reporting
                results.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
        out = json.dumps(results, ensure_ascii=False)
        sys.stdout.buffer.write(out.encode("utf-8", "surrogatepass"))
        return 0
    if argv[1] == "--bench":
        with open(argv[2], encoding="utf-8") as f:
            tpl = env.from_string(f.read())
        with open(argv[3], encoding="utf-8") as f:
            contexts = json.load(f)
        rounds = int(argv[4])
        start = time.process_time()  # CPU time: the machine may be shared
        total = 0
        for _ in range(rounds):
            for ctx in contexts:
                tpl.render(**ctx)
                total += 1
        elapsed = time.process_time() - start
        print(f"{total / elapsed:.3f}")
        return 0
    args = dict(zip(argv[1::2], argv[2::2]))
    with open(args["--template"], encoding="utf-8") as f:
        template_text = f.read()
    with open(args["--context"], encoding="utf-8") as f:
        context = json.load(f)
    try:
        text = render(env, template_text, context)
    except Exception as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
