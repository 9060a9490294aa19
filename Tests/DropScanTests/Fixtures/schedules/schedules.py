#!/usr/bin/env python3
"""Runs the scheduled-sweep templates of Reports/templates as their schedulers would, for the template tests.

    schedules.py kubernetes-pod MANIFEST CRONJOB --index I --secrets S.json --mount PATH=DIR ... --path BINDIR
        one pod of CRONJOB's Job: its env (literal values, the manifest's ConfigMaps, the Secrets in
        S.json), JOB_COMPLETION_INDEX=I for an Indexed Job, Kubernetes' $(NAME) expansion of command and
        args, each volume mount's path replaced by the host folder given for it (configMap volumes are
        written out from the manifest into a folder of their own).
    schedules.py kubernetes-validate SCHEMA_DIR MANIFEST
        every document against the Kubernetes JSON schema of its kind (kubernetes-validate's strict
        schemas); prints the complaints as JSON, exits 1 when there are any.
    schedules.py systemd-exec SERVICE --env-file FILE --map PATH=DIR ...
        the service's ExecStart as systemd runs it: specifiers (%S, %H, %%), the EnvironmentFile's
        variables (${NAME} one word, $NAME split on spaces), StateDirectory= created, paths replaced.
    schedules.py github-scheduled WORKFLOW --origin URL --ref BRANCH --work DIR --install DIR --secrets S.json
        a scheduled run: each job in order, a matrix job once per entry (strategy.job-index and job-total
        set), `needs`, `if:` and `${{ }}` as GitHub evaluates them, the actions as Fixtures/ci/simulate.py
        does them. Prints each job's result and its steps' outcomes as JSON.
    schedules.py yaml FILE                  every document of a YAML file, as JSON (YAML 1.2 booleans)
    schedules.py unit FILE                  a systemd unit's sections, as JSON: {section: [[key, value]]}
    schedules.py blocks kubernetes|github FILE
        every shell block of a template as the shell receives it, as JSON, for shellcheck (a systemd
        ExecStart= is no shell: systemd splits it itself).

Each pod, matrix job or service run prints {"status": N, "stdout": ..., "stderr": ...} as JSON (the run).
"""
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ci"))
import simulate  # noqa: E402  (Fixtures/ci/simulate.py: YAML 1.2 loading, expressions, the actions)
import yaml  # noqa: E402


def options(arguments, repeated=()):
    result = {name: [] for name in repeated}
    for index in range(0, len(arguments), 2):
        name, value = arguments[index].lstrip("-"), arguments[index + 1]
        if name in repeated:
            result[name].append(value)
        else:
            result[name] = value
    return result


def remap(text, mapping):
    """Replaces each path of `mapping` where it starts a path in `text` (one pass: a replacement is never
    replaced again), as a mount or a bind makes that folder appear at that path."""
    if not mapping:
        return text
    prefixes = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(prefix) for prefix in prefixes) + r")(?![\w.-])")
    return pattern.sub(lambda match: mapping[match.group(1)], text)


def run(argv, environment, cwd):
    completed = subprocess.run(argv, env=environment, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return {"status": completed.returncode, "stdout": completed.stdout.decode(errors="replace"),
            "stderr": completed.stderr.decode(errors="replace"), "argv": argv}


# Kubernetes


def kubernetes_expand(text, variables):
    """$(NAME) becomes the variable's value when NAME is defined and stays as written when not; $$ becomes $
    (k8s.io/kubernetes third_party/forked/golang/expansion, as kubelet applies it to command and args)."""
    out, cursor = [], 0
    while cursor < len(text):
        if text[cursor] == "$" and cursor + 1 < len(text):
            following = text[cursor + 1]
            if following == "$":
                out.append("$")
                cursor += 2
                continue
            if following == "(":
                closing = text.find(")", cursor + 2)
                if closing != -1:
                    name = text[cursor + 2:closing]
                    out.append(variables[name] if name in variables else "$(" + name + ")")
                    cursor = closing + 1
                    continue
            out.append("$" + following)
            cursor += 2
            continue
        out.append(text[cursor])
        cursor += 1
    return "".join(out)


def documents(path):
    with open(path) as handle:
        return [document for document in yaml.load_all(handle, Loader=simulate.Loader) if document]


def find(manifest, kind, name):
    for document in manifest:
        if document.get("kind") == kind and document.get("metadata", {}).get("name") == name:
            return document
    raise SystemExit(f"schedules.py: no {kind} named {name}")


def kubernetes_pod(arguments):
    manifest = documents(arguments[0])
    cronjob = find(manifest, "CronJob", arguments[1])
    given = options(arguments[2:], repeated=("mount",))
    secrets = json.load(open(given["secrets"]))
    mounts = dict(pair.split("=", 1) for pair in given["mount"])
    job = cronjob["spec"]["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    (container,) = pod["containers"]
    environment = {"PATH": given["path"] + ":/usr/bin:/bin", "HOSTNAME": cronjob["metadata"]["name"]}
    if job.get("completionMode") == "Indexed":
        environment["JOB_COMPLETION_INDEX"] = given["index"]
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = kubernetes_expand(str(variable["value"]), environment)
            continue
        source = variable["valueFrom"]
        if "secretKeyRef" in source:
            reference = source["secretKeyRef"]
            environment[variable["name"]] = secrets[reference["name"]][reference["key"]]
        else:
            reference = source["configMapKeyRef"]
            environment[variable["name"]] = str(find(manifest, "ConfigMap", reference["name"])["data"][reference["key"]])
    work = tempfile.mkdtemp(prefix="pod-")
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    paths = {}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            folder = os.path.join(work, mount["name"])
            os.makedirs(folder)
            data = find(manifest, "ConfigMap", volume["configMap"]["name"])["data"]
            for item in volume["configMap"].get("items") or [{"key": key, "path": key} for key in data]:
                with open(os.path.join(folder, item["path"]), "w") as handle:
                    handle.write(data[item["key"]])
            paths[mount["mountPath"]] = folder
        elif "emptyDir" in volume:
            paths[mount["mountPath"]] = tempfile.mkdtemp(prefix="emptydir-", dir=work)
        else:
            if mount["mountPath"] not in mounts:
                raise SystemExit(f"schedules.py: give --mount {mount['mountPath']}=DIR for the volume {mount['name']}")
            paths[mount["mountPath"]] = mounts[mount["mountPath"]]
    argv = [remap(kubernetes_expand(str(word), environment), paths)
            for word in container.get("command", []) + container.get("args", [])]
    try:
        return run(argv, environment, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def kubernetes_validate(schema_dir, path):
    import jsonschema

    definitions = json.load(open(os.path.join(schema_dir, "_definitions.json")))
    complaints = []
    for index, document in enumerate(documents(path)):
        # batch/v1 -> batch-v1, rbac.authorization.k8s.io/v1 -> rbac-v1, v1 -> v1 (as kubernetes-validate names them).
        group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", document["apiVersion"])
        schema_path = os.path.join(schema_dir, f"{document['kind'].lower()}-{group_version}.json")
        if not os.path.exists(schema_path):
            complaints.append({"document": index, "path": [], "message": f"no schema {os.path.basename(schema_path)}"})
            continue
        schema = json.load(open(schema_path))
        resolver = jsonschema.RefResolver.from_schema(schema, store={definitions["$id"]: definitions})
        validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
        for error in sorted(validator.iter_errors(document), key=lambda error: list(error.path)):
            complaints.append({"document": index, "path": [str(part) for part in error.path],
                               "message": error.message[:500]})
    print(json.dumps(complaints))
    sys.exit(1 if complaints else 0)


# systemd


def unit_sections(path):
    """A unit file as {section: [(key, value)]}: comments, blank lines and backslash continuations as
    systemd reads them."""
    sections, section, pending = {}, None, ""
    for raw in open(path).read().split("\n"):
        line = pending + raw.strip() if pending else raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            sections.setdefault(section, [])
            continue
        key, value = line.split("=", 1)
        sections[section].append((key.strip(), value.strip()))
    return sections


def environment_file(path):
    variables = {}
    for raw in open(path).read().split("\n"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        variables[key.strip()] = value
    return variables


def specifiers(text):
    """The specifiers of a system unit that these templates use (systemd.unit(5))."""
    table = {"S": "/var/lib", "C": "/var/cache", "L": "/var/log", "t": "/run", "H": socket.gethostname(), "%": "%"}

    def replace(match):
        if match.group(1) not in table:
            raise SystemExit(f"schedules.py: the specifier %{match.group(1)} is not simulated")
        return table[match.group(1)]

    return re.sub(r"%(.)", replace, text)


def exec_words(command, variables):
    """An Exec line's words: a word that is exactly $NAME becomes the value split on white space (no word
    when it is empty); ${NAME} anywhere becomes the value, in one word (systemd.service(5), "Command lines")."""
    words = []
    for word in shlex.split(specifiers(command)):
        whole = re.fullmatch(r"\$(\w+)", word)
        if whole:
            words.extend(variables.get(whole.group(1), "").split())
        else:
            words.append(re.sub(r"\$\{(\w+)\}", lambda match: variables.get(match.group(1), ""), word))
    return words


def systemd_exec(arguments):
    sections = unit_sections(arguments[0])
    given = options(arguments[1:], repeated=("map",))
    mapping = dict(pair.split("=", 1) for pair in given["map"])
    service = dict(sections["Service"])
    variables = environment_file(given["env-file"])
    state = service.get("StateDirectory")
    if state:
        directory = remap("/var/lib/" + state, mapping)
        os.makedirs(directory, exist_ok=True)
        variables["STATE_DIRECTORY"] = "/var/lib/" + state
    argv = [remap(word, mapping) for word in exec_words(service["ExecStart"], variables)]
    environment = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", **variables}
    environment["STATE_DIRECTORY"] = remap(environment.get("STATE_DIRECTORY", ""), mapping)
    return run(argv, environment, "/")


# GitHub Actions, a scheduled run


def matrix_entries(job):
    matrix = (job.get("strategy") or {}).get("matrix")
    if not matrix:
        return [None]
    if set(matrix) - {"shard"} or not isinstance(matrix["shard"], list):
        raise SystemExit("schedules.py: only a one-dimension `shard` matrix is simulated")
    return [{"shard": value} for value in matrix["shard"]]


def github_scheduled(arguments):
    workflow = simulate.load(arguments[0])
    given = options(arguments[1:])
    secrets = json.load(open(given["secrets"]))
    work = given["work"]
    os.makedirs(work, exist_ok=True)
    log = open(os.path.join(work, "ci.log"), "a")
    repository = "acme/shop"
    event = {"schedule": workflow["on"]["schedule"][0]["cron"], "repository": {"full_name": repository}}
    given["calls"] = os.environ["FAKE_CALLS"]
    summary, needs_results = {"jobs": {}}, {}
    for job_id, job in workflow["jobs"].items():
        needed = job.get("needs", [])
        needed = [needed] if isinstance(needed, str) else needed
        status_before = "success" if all(needs_results[name] == "success" for name in needed) else "failure"
        entries = matrix_entries(job)
        runs = []
        for index, entry in enumerate(entries):
            name = job_id if entry is None else f"{job_id} ({entry['shard']})"
            root = os.path.join(work, name.replace(" ", "").replace("(", "-").replace(")", ""))
            context = {
                "github": {"event": event, "event_name": "schedule", "repository": repository, "ref": "refs/heads/main",
                           "workspace": os.path.join(root, "workspace")},
                "needs": {name: {"result": needs_results[name], "outputs": {}} for name in needed},
                "secrets": secrets, "vars": {}, "matrix": entry or {},
                "strategy": {"job-index": index, "job-total": len(entries), "fail-fast": True},
            }
            if not simulate.condition(job.get("if"), context, status_before):
                runs.append({"name": name, "result": "skipped", "steps": []})
                continue
            runs.append(run_job(name, job, workflow, context, given, root, log))
        results = [one["result"] for one in runs]
        needs_results[job_id] = ("skipped" if all(result == "skipped" for result in results)
                                 else "failure" if "failure" in results else "success")
        summary["jobs"][job_id] = {"result": needs_results[job_id], "runs": runs}
    print(json.dumps(summary, indent=1))


def run_job(name, job, workflow, context, given, root, log):
    workspace, temp = os.path.join(root, "workspace"), os.path.join(root, "temp")
    os.makedirs(workspace)
    os.makedirs(temp)
    files = {key: os.path.join(temp, key) for key in ("output", "env", "path", "summary")}
    for path in files.values():
        open(path, "w").close()
    context["runner"] = {"temp": temp, "os": "Linux"}
    base = dict(os.environ)
    base.update({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace, "GITHUB_REPOSITORY": "acme/shop",
                 "GITHUB_EVENT_NAME": "schedule", "GITHUB_REF": "refs/heads/main", "RUNNER_TEMP": temp,
                 "RUNNER_OS": "Linux", "GITHUB_STEP_SUMMARY": files["summary"], "GITHUB_JOB": name})
    job_env = {}
    for scope in (workflow.get("env", {}), job.get("env", {})):
        for key, value in scope.items():
            context["env"] = {**job_env}
            job_env[key] = simulate.interpolate(str(value), context)
    extra_path, steps, status = [], [], "success"
    shell = (job.get("defaults", {}).get("run", {}) or {}).get("shell")
    for index, step in enumerate(job["steps"]):
        step_name = step.get("name") or step.get("uses") or f"step {index}"
        context["env"] = {**job_env}
        if not simulate.condition(step.get("if"), context, status):
            steps.append({"name": step_name, "outcome": "skipped"})
            continue
        step_env = {key: simulate.interpolate(str(value), context, status) for key, value in (step.get("env") or {}).items()}
        log.write(f"::: {name} / {step_name}\n")
        if "uses" in step:
            inputs = {key: simulate.interpolate(str(value), context, status) for key, value in (step.get("with") or {}).items()}
            code = simulate.action(step["uses"], inputs, given, "acme/shop", workspace, given["work"], log)
        else:
            command = ["bash", "--noprofile", "--norc", "-eo", "pipefail"] if shell == "bash" else ["bash", "-e"]
            environment = {**base, **job_env, **step_env, "GITHUB_OUTPUT": files["output"], "GITHUB_ENV": files["env"],
                           "GITHUB_PATH": files["path"]}
            environment["PATH"] = ":".join(extra_path + [base["PATH"]])
            code = simulate.run_shell(command, step["run"], workspace, environment, log)
        job_env.update(simulate.read_pairs(files["env"]))
        extra_path = [line for line in open(files["path"]).read().split("\n") if line][::-1]
        steps.append({"name": step_name, "outcome": "success" if code == 0 else "failure", "exitCode": code})
        if code != 0 and not step.get("continue-on-error"):
            status = "failure"
    return {"name": name, "result": status, "steps": steps, "summary": open(files["summary"]).read()}


# Shell blocks, for shellcheck


def blocks(kind, path):
    out = []
    if kind == "kubernetes":
        for document in documents(path):
            if document.get("kind") != "CronJob":
                continue
            pod = document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            for container in pod["containers"]:
                words = container.get("command", []) + container.get("args", [])
                if words[:2] == ["/bin/sh", "-c"]:
                    # What the shell receives: after Kubernetes' expansion ($$ is $); no variable is defined
                    # for expansion here, so $(NAME) would stay as written and be caught by shellcheck.
                    out.append({"name": document["metadata"]["name"], "script": kubernetes_expand(words[2], {}),
                                "shell": "sh"})
    else:
        for job_id, job in simulate.load(path)["jobs"].items():
            for index, step in enumerate(job["steps"]):
                if "run" in step:
                    out.append({"name": f"{job_id}: {step.get('name', index)}", "script": step["run"], "shell": "bash"})
    return out


def main():
    arguments = sys.argv[1:]
    command = arguments[0]
    if command == "kubernetes-pod":
        print(json.dumps(kubernetes_pod(arguments[1:])))
    elif command == "kubernetes-validate":
        kubernetes_validate(arguments[1], arguments[2])
    elif command == "systemd-exec":
        print(json.dumps(systemd_exec(arguments[1:])))
    elif command == "github-scheduled":
        github_scheduled(arguments[1:])
    elif command == "yaml":
        print(json.dumps(documents(arguments[1])))
    elif command == "unit":
        print(json.dumps(unit_sections(arguments[1])))
    elif command == "blocks":
        print(json.dumps(blocks(arguments[1], arguments[2])))
    else:
        raise SystemExit(f"schedules.py: unknown command {command}")


if __name__ == "__main__":
    main()
