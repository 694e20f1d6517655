#!/usr/bin/env python3
"""Every configuration the integration harness writes must load.

Generates, with tests/integration/harness.py make_config(), the configuration
for default_listeners() and for every LISTENERS / EXTRA_CONFIG class attribute
and listeners= / extra_config= argument found in tests/integration/test_*.py
(read with `ast`, not imported, so the integration tests' own imports do not
matter), and checks each with the config_check_file tool (argv[1]).
"""

import ast
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
INTEGRATION = os.path.join(os.path.dirname(os.path.dirname(HERE)), "integration")
sys.path.insert(0, INTEGRATION)
import harness  # noqa: E402


def literal(node, names):
    """The value of a literal expression (dict(...) calls and harness names allowed)."""
    return eval(compile(ast.Expression(node), "<config>", "eval"),  # noqa: S307 - our own test sources
                {"__builtins__": {}, "dict": dict, "list": list}, names)


def specs_in(path):
    """(where, listeners, extra_config) for every spec in one test file."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    names = dict(vars(harness))
    found = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        attrs = {}
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                if stmt.targets[0].id in ("LISTENERS", "EXTRA_CONFIG"):
                    attrs[stmt.targets[0].id] = stmt.value
        if attrs:
            found.append(("%s:%d %s" % (os.path.basename(path), cls.lineno, cls.name),
                          attrs.get("LISTENERS"), attrs.get("EXTRA_CONFIG")))
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        kw = {k.arg: k.value for k in call.keywords if k.arg in ("listeners", "extra_config")}
        if kw:
            found.append(("%s:%d call" % (os.path.basename(path), call.lineno),
                          kw.get("listeners"), kw.get("extra_config")))
    out = []
    for where, listeners, extra in found:
        try:
            l = literal(listeners, names) if listeners is not None else None
            e = literal(extra, names) if extra is not None else None
        except Exception as exc:  # not a literal (a variable, a parameter): skip it
            print("skipped %s: %s" % (where, exc))
            continue
        if l is None and e is None:
            continue
        out.append((where, l if l is not None else harness.default_listeners(), e))
    return out


def main():
    tool = sys.argv[1]
    specs = [("default_listeners()", harness.default_listeners(), None),
             # make_config() writes nested dicts as subtables and floats as
             # TOML floats, as outbound delivery tests need.
             ("[delivery] subtables", harness.default_listeners(),
              {"delivery": {"smtp_port": 2526, "retry_growth": 1.5, "dns_forwarder": "127.0.0.1:5353",
                            "dns_special_zones": ["test"],
                            "routes": {"partner.example": "[::1]:2525"},
                            "smarthost": {"host": "smtp.isp.example", "username": "u", "password": "p"}}})]
    for name in sorted(os.listdir(INTEGRATION)):
        if name.startswith("test_") and name.endswith(".py"):
            specs += specs_in(os.path.join(INTEGRATION, name))
    tmp = tempfile.mkdtemp(prefix="mailroom-cfgtest-")
    failed = []
    try:
        for i, (where, listeners, extra) in enumerate(specs):
            path = os.path.join(tmp, "config%d.toml" % i)
            with open(path, "w") as f:
                f.write(harness.make_config(os.path.join(tmp, "data"), listeners, extra))
            p = subprocess.run([tool, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            print("%-40s %s" % (where, "ok" if p.returncode == 0 else "FAILED"))
            if p.returncode != 0:
                with open(path) as f:
                    failed.append("%s:\n%s\n%s" % (where, p.stdout.decode("utf-8", "replace"), f.read()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failed:
        print(f)
    print("%d configuration(s), %d failed" % (len(specs), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
