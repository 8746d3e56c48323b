"""Calls every method of yarn-api-client's HistoryServer against zebra and
checks the answers' shapes against Hadoop's HistoryServerRest
documentation (the field names and types of its "Elements of the ...
object" tables; zebra's extra fields are allowed).

Usage: history_client.py ENDPOINT TOKEN DONE_JOB KILLED_JOB

A TLS cluster's CA is read from ZEBRA_TLS_CA. The token goes as HTTP Basic credentials (user "zebra"), the way a
requests auth object sends it. Prints one JSON object with what the Go
test checks further (counts, counters, conf, phases); exits 1 after
listing every shape error on stderr.
"""

import json
import os
import sys

from requests.auth import HTTPBasicAuth
from yarn_api_client.errors import APIError
from yarn_api_client.history_server import HistoryServer

LONG, INT, STR, BOOL, FLOAT = "long", "int", "string", "boolean", "float"

# Field -> documented type, per object (HistoryServerRest.md).
HISTORY_INFO = {"startedOn": LONG, "hadoopVersion": STR, "hadoopBuildVersion": STR, "hadoopVersionBuiltOn": STR}
JOB_LIST = {"submitTime": LONG, "startTime": LONG, "finishTime": LONG, "id": STR, "name": STR, "queue": STR,
            "user": STR, "state": STR, "mapsTotal": INT, "mapsCompleted": INT, "reducesTotal": INT,
            "reducesCompleted": INT}
JOB = dict(JOB_LIST, diagnostics=STR, uberized=BOOL, avgMapTime=LONG, avgReduceTime=LONG, avgShuffleTime=LONG,
           avgMergeTime=LONG, failedReduceAttempts=INT, killedReduceAttempts=INT, successfulReduceAttempts=INT,
           failedMapAttempts=INT, killedMapAttempts=INT, successfulMapAttempts=INT, acls=list)
ACL = {"name": STR, "value": STR}
JOB_ATTEMPT = {"id": INT, "nodeId": STR, "nodeHttpAddress": STR, "logsLink": STR, "containerId": STR,
               "startTime": LONG}
JOB_COUNTER = {"name": STR, "reduceCounterValue": LONG, "mapCounterValue": LONG, "totalCounterValue": LONG}
COUNTER = {"name": STR, "value": LONG}
GROUP = {"counterGroupName": STR, "counter": list}
CONF = {"path": STR, "property": list}
PROPERTY = {"name": STR, "value": STR, "source": list}
TASK = {"id": STR, "state": STR, "type": STR, "successfulAttempt": STR, "progress": FLOAT, "startTime": LONG,
        "finishTime": LONG, "elapsedTime": LONG}
ATTEMPT = {"id": STR, "rack": STR, "state": STR, "type": STR, "assignedContainerId": STR, "nodeHttpAddress": STR,
           "diagnostics": STR, "progress": FLOAT, "startTime": LONG, "finishTime": LONG, "elapsedTime": LONG}
REDUCE_ATTEMPT = dict(ATTEMPT, shuffleFinishTime=LONG, mergeFinishTime=LONG, elapsedShuffleTime=LONG,
                      elapsedMergeTime=LONG, elapsedReduceTime=LONG)

errors = []


def check(where, obj, spec):
    if not isinstance(obj, dict):
        errors.append("%s: not an object: %r" % (where, obj))
        return
    for field, typ in spec.items():
        if field not in obj:
            errors.append("%s: no field %s" % (where, field))
            continue
        v = obj[field]
        ok = {
            LONG: isinstance(v, int) and not isinstance(v, bool),
            INT: isinstance(v, int) and not isinstance(v, bool),
            STR: isinstance(v, str),
            BOOL: isinstance(v, bool),
            FLOAT: isinstance(v, (int, float)) and not isinstance(v, bool),
            list: isinstance(v, list),
        }[typ]
        if not ok:
            errors.append("%s: %s is %r, documented as %s" % (where, field, v, typ if isinstance(typ, str) else "array"))


def groups(where, gs, counter_spec):
    for g in gs:
        check(where, g, GROUP)
        for c in g.get("counter", []):
            check(where + " " + g.get("counterGroupName", "?"), c, counter_spec)
    return {g["counterGroupName"]: {c["name"]: c.get("value", c.get("totalCounterValue")) for c in g["counter"]} for g in gs}


def main():
    endpoint, token, done, killed = sys.argv[1:5]
    # A TLS cluster's CA (zebra up prints it as ZEBRA_TLS_CA).
    hs = HistoryServer(endpoint, auth=HTTPBasicAuth("zebra", token), verify=os.environ.get("ZEBRA_TLS_CA") or True)
    out = {}

    for info in (hs.application_information().data, ):
        check("info", info.get("historyInfo"), HISTORY_INFO)

    jobs = hs.jobs().data["jobs"]["job"]
    for j in jobs:
        check("jobs", j, JOB_LIST)
    out["jobs"] = sorted(j["id"] for j in jobs)
    out["succeeded"] = [j["id"] for j in hs.jobs(state="SUCCEEDED").data["jobs"]["job"]]
    out["killed"] = [j["id"] for j in hs.jobs(state="KILLED").data["jobs"]["job"]]
    try:
        hs.jobs(state="BOGUS")
        errors.append("jobs(state=BOGUS) was accepted by the client")
    except Exception as e:  # the client checks states itself
        out["bogus_state_client_error"] = type(e).__name__

    for jid in (done, killed):
        rec = out[jid] = {}
        job = hs.job(jid).data["job"]
        check("job " + jid, job, JOB)
        for acl in job.get("acls", []):
            check("job acls", acl, ACL)
        rec["job"] = {k: job[k] for k in JOB if k != "acls"}
        attempts = hs.job_attempts(jid).data["jobAttempts"]["jobAttempt"]
        for a in attempts:
            check("jobattempt", a, JOB_ATTEMPT)
        rec["jobattempts"] = len(attempts)
        jc = hs.job_counters(jid).data["jobCounters"]
        check("jobCounters", jc, {"id": STR, "counterGroup": list})
        rec["counters"] = groups("jobCounters", jc["counterGroup"], JOB_COUNTER)
        conf = hs.job_conf(jid).data["conf"]
        check("conf", conf, CONF)
        for p in conf["property"]:
            check("conf property", p, PROPERTY)
        rec["conf"] = {p["name"]: p["value"] for p in conf["property"]}
        tasks = hs.job_tasks(jid).data["tasks"]["task"]
        rec["map_tasks"] = len(hs.job_tasks(jid, job_type="m").data["tasks"]["task"])
        rec["reduce_tasks"] = len(hs.job_tasks(jid, job_type="r").data["tasks"]["task"])
        rec["tasks"] = {}
        for t in tasks:
            check("task", t, TASK)
            tid = t["id"]
            t1 = hs.job_task(jid, tid).data["task"]
            check("task " + tid, t1, TASK)
            tc = hs.task_counters(jid, tid).data["jobTaskCounters"]
            check("jobTaskCounters", tc, {"id": STR, "taskCounterGroup": list})
            trec = rec["tasks"][tid] = {"type": t["type"], "state": t["state"],
                                        "counters": groups("task counters", tc["taskCounterGroup"], COUNTER),
                                        "attempts": {}}
            for a in hs.task_attempts(jid, tid).data["taskAttempts"]["taskAttempt"]:
                spec = REDUCE_ATTEMPT if t["type"] == "REDUCE" else ATTEMPT
                check("attempt", a, spec)
                a1 = hs.task_attempt(jid, tid, a["id"]).data["taskAttempt"]
                check("attempt " + a["id"], a1, spec)
                ac = hs.task_attempt_counters(jid, tid, a["id"]).data["jobTaskAttemptCounters"]
                check("jobTaskAttemptCounters", ac, {"id": STR, "taskAttemptCounterGroup": list})
                trec["attempts"][a["id"]] = {k: a1.get(k) for k in REDUCE_ATTEMPT}
                trec["attempts"][a["id"]]["counters"] = groups("attempt counters", ac["taskAttemptCounterGroup"], COUNTER)

    try:
        hs.job("job_1_0001")
        errors.append("an unknown job was found")
    except APIError as e:
        out["unknown_job"] = str(e)

    print(json.dumps(out, indent=1, sort_keys=True))
    for e in errors:
        print("shape: " + e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
