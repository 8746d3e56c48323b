#!/usr/bin/env python3
# Prints every environment variable of the streaming task, sorted by name,
# with values normalised where they are run-specific (paths under the work
# dir, job/attempt numbers, ports, host names, times), then passes stdin
# through. Variables of the machine the job is started from are left out:
# only names Hadoop itself sets (dotted configuration names, mangled) and a
# few it exports are compared.
import os, re, sys

role = sys.argv[1]
for line in sys.stdin:
    sys.stdout.write(line)
cwd = os.path.dirname(os.path.abspath(__file__))
parent = set(os.environ.get("ZEBRA_TEST_PARENT_ENV", "").split(","))
for name in sorted(os.environ):
    value = os.environ[name]
    if name in ("PWD", "OLDPWD", "SHLVL", "_", "HOME", "PATH", "LANG", "TMPDIR", "USER", "LOGNAME",
                "HOSTNAME", "TERM", "SHELL", "JAVA_HOME", "LD_LIBRARY_PATH", "CLASSPATH"):
        continue
    if not re.match(r"^(mapreduce|mapred|map|stream|yarn|dfs|fs|io|hadoop|file|ipc|net|job|user|tasktracker|jobclient|my|FOO)_", name) and name not in ("HADOOP_ROOT_LOGGER",):
        continue
    value = re.sub(r"_(?:local)?\d+_\d{4}(?=_|$)", "_localN_0001", value)
    value = re.sub(r"\d{10,}", "N", value)
    if "/" in value or name.endswith(("_dir", "_dirs", "_path")):
        value = "<path>"
    print(f"{role}:{name}")
