"""Renders a batch of Jinja cases with dbt's own Jinja environment (JSON in, JSON out).

The reference side of the differential corpus (test/integration/models/jinja-corpus.test.ts).
stdin: {"cases": [{"id", "template", "macros"?}], "context": {...}}
  or   {"files": [{"id", "source"}]}  (parse only, list the macros each file defines)
stdout: [{"id", "output"} | {"id", "error"}]
"""

import datetime
import json
import re
import sys

import jinja2
import pytz
from dbt.context.base import BaseContext
from dbt_common.clients.jinja import MacroReturn, get_environment


class Raise(Exception):
    pass


def base_context(spec):
    ctx = {}
    variables = spec.get("vars", {})
    env = spec.get("env", {})

    def var(name, default=jinja2.Undefined):
        if name in variables:
            return variables[name]
        if default is not jinja2.Undefined:
            return default
        raise Raise(f"Required var '{name}' not found")

    def env_var(name, default=None):
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise Raise(f"Env var required but not provided: '{name}'")

    def _return(value):
        raise MacroReturn(value)

    def raise_compiler_error(message):
        raise Raise(message)

    class Exceptions:
        pass

    exceptions = Exceptions()
    exceptions.raise_compiler_error = raise_compiler_error

    class Modules:
        pass

    modules = Modules()
    modules.datetime = datetime
    modules.re = re
    modules.pytz = pytz

    class Adapter:
        """adapter.dispatch and adapter.quote as dbt-duckdb answers them."""

        def dispatch(self, name, macro_namespace=None):
            for prefix in ("duckdb__", "default__"):
                if prefix + name in ctx:
                    return ctx[prefix + name]
            raise Raise(f"No macro named '{name}' for dispatch")

        def quote(self, identifier):
            return '"{}"'.format(str(identifier).replace('"', '""'))

    class Namespace:
        """`dbt.<macro>`: the same macros by attribute."""

        def __getattr__(self, name):
            if name in ctx:
                return ctx[name]
            raise AttributeError(name)

    ctx.update(
        {
            "adapter": Adapter(),
            "dbt": Namespace(),
            "target": spec.get("target", {}),
            "project_name": spec.get("project_name", ""),
            "var": var,
            "env_var": env_var,
            "return": _return,
            # dbt's own context functions, as its BaseContext defines them.
            "zip": BaseContext._zip,
            "set": BaseContext._set,
            "tojson": BaseContext.tojson,
            "fromjson": BaseContext.fromjson,
            "log": lambda msg, info=False: "",
            "exceptions": exceptions,
            "modules": modules,
        }
    )
    return ctx


_compiled = {}


def compiled(env, source):
    if source not in _compiled:
        _compiled[source] = env.from_string(source)
    return _compiled[source]


def bind_macros(env, source, ctx):
    """Like dbt's MacroGenerator: each macro sees the context and catches return()."""
    module = compiled(env, source).make_module(vars=ctx)
    for attr in dir(module):
        if not attr.startswith("dbt_macro__"):
            continue
        macro = getattr(module, attr)

        def call(*args, __macro=macro, **kwargs):
            try:
                return __macro(*args, **kwargs)
            except MacroReturn as e:
                return e.value

        ctx[attr[len("dbt_macro__") :]] = call


def render_case(env, case, spec):
    ctx = base_context(spec)
    macros = case.get("macros") or []
    for source in [macros] if isinstance(macros, str) else macros:
        bind_macros(env, source, ctx)
    return env.from_string(case["template"]).render(ctx)


def describe(error):
    return f"{type(error).__name__}: {error}"


def main():
    spec = json.load(sys.stdin)
    env = get_environment()
    out = []
    for case in spec.get("cases", []):
        try:
            out.append({"id": case["id"], "output": render_case(env, case, spec.get("context", {}))})
        except Exception as error:  # the test compares errors too
            out.append({"id": case["id"], "error": describe(error)})
    for file in spec.get("files", []):
        try:
            parsed = env.parse(file["source"])
            names = [m.name for m in parsed.find_all(jinja2.nodes.Macro)]
            out.append({"id": file["id"], "macros": names})
        except Exception as error:
            out.append({"id": file["id"], "error": describe(error)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
