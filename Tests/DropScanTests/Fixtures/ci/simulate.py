#!/usr/bin/env python3
"""Runs a CI template's steps as GitHub Actions or GitLab CI would, on this machine, for the template tests.

    simulate.py github WORKFLOW.yml --origin URL --ref BRANCH --event EVENT.json --work DIR --install DIR
    simulate.py gitlab CI.yml --origin URL --ref BRANCH --variables VARS.json --work DIR --install DIR
    simulate.py blocks github|gitlab FILE        (every shell block, as JSON, for shellcheck)

The git steps and the shell steps run for real; what the CI service does around them is done here the
way the service documents it: the checkout (a shallow clone of --ref from --origin), a cache hit that
restores the dropscan install from --install, artifacts kept in DIR/artifacts, `${{ }}` expressions and
`if:` conditions, `$GITHUB_OUTPUT`, `$GITHUB_ENV` and `$GITHUB_PATH`, GitLab's `rules:` and its one
shell for before_script and script. Network calls (apt-get, gh, curl, the code-scanning upload) are
made by the recording fakes in fakes/, which the caller puts first on PATH. Prints a JSON summary.
"""
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml


class Loader(yaml.SafeLoader):
    """YAML 1.2 booleans, as GitHub and GitLab read them (`on:` stays a string)."""


Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=Loader)


# GitHub expressions: literals, context paths, ==, !=, !, &&, ||, parentheses and the status functions.
TOKEN = re.compile(r"\s*(?:(\|\||&&|==|!=|!|\(|\))|'((?:[^']|'')*)'|(\d+(?:\.\d+)?)|([A-Za-z_][\w.\-\[\]']*\(\))|([A-Za-z_][\w.\-]*))")


def tokenize(text):
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        if not match:
            raise SystemExit(f"simulate.py: cannot read the expression {text!r} at {position}")
        operator, string, number, call, path = match.groups()
        if operator:
            tokens.append(("op", operator))
        elif string is not None:
            tokens.append(("value", string.replace("''", "'")))
        elif number:
            tokens.append(("value", float(number)))
        elif call:
            tokens.append(("call", call[:-2]))
        else:
            tokens.append(("path", path))
        position = match.end()
    return tokens


def evaluate(text, context, status):
    tokens = tokenize(text)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else (None, None)

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def primary():
        kind, value = take()
        if kind == "op" and value == "!":
            return not truthy(primary())
        if kind == "op" and value == "(":
            result = disjunction()
            take()
            return result
        if kind == "value":
            return value
        if kind == "call":
            functions = {
                "always": True,
                "success": status == "success",
                "failure": status == "failure",
                "cancelled": False,
            }
            if value not in functions:
                raise SystemExit(f"simulate.py: the function {value}() is not simulated")
            return functions[value]
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        current = context
        for part in value.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return current

    def comparison():
        left = primary()
        while peek() in (("op", "=="), ("op", "!=")):
            operator = take()[1]
            right = primary()
            equal = normalize(left) == normalize(right)
            left = equal if operator == "==" else not equal
        return left

    def conjunction():
        left = comparison()
        while peek() == ("op", "&&"):
            take()
            right = comparison()
            left = right if truthy(left) else left
        return left

    def disjunction():
        left = conjunction()
        while peek() == ("op", "||"):
            take()
            right = conjunction()
            left = left if truthy(left) else right
        return left

    result = disjunction()
    if position != len(tokens):
        raise SystemExit(f"simulate.py: cannot read the expression {text!r}")
    return result


def normalize(value):
    # GitHub compares strings ignoring case; null equals the empty string.
    if value is None:
        return ""
    return value.lower() if isinstance(value, str) else value


def truthy(value):
    return value not in (None, False, "", 0)


def interpolate(value, context, status="success"):
    if not isinstance(value, str):
        return value
    return re.sub(r"\$\{\{(.*?)\}\}", lambda match: stringify(evaluate(match.group(1), context, status)), value)


def stringify(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def condition(text, context, status, default="success()"):
    text = default if text is None else str(text)
    text = text.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    # GitHub adds success() to a condition that calls no status function.
    if not re.search(r"\b(always|success|failure|cancelled)\(\)", text):
        text = f"success() && ({text})"
    return truthy(evaluate(text, context, status))


def run_shell(command, script, cwd, environment, log):
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as handle:
        handle.write(script)
    try:
        completed = subprocess.run(
            command + [handle.name], cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    finally:
        os.unlink(handle.name)
    log.write(completed.stdout.decode(errors="replace"))
    return completed.returncode


def read_pairs(path):
    """`key=value` lines and `key<<DELIMITER` blocks, as $GITHUB_OUTPUT and $GITHUB_ENV hold them."""
    pairs = {}
    if not os.path.exists(path):
        return pairs
    lines = open(path).read().split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            value = []
            index += 1
            while lines[index] != delimiter:
                value.append(lines[index])
                index += 1
            pairs[key] = "\n".join(value)
        elif "=" in line:
            key, value = line.split("=", 1)
            pairs[key] = value
        index += 1
    return pairs


def clone(origin, ref, depth, destination):
    subprocess.run(
        ["git", "clone", "-q", f"--depth={depth}", "--branch", ref, origin, destination], check=True)


def copy_tree(source, destination):
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(source, destination, symlinks=True)


def github(arguments):
    workflow = load(arguments["file"])
    event = json.load(open(arguments["event"]))
    work = arguments["work"]
    repository = event["repository"]["full_name"]
    log = open(os.path.join(work, "ci.log"), "a")
    summary = {"jobs": {}}
    needs_context = {}
    for job_id, job in workflow["jobs"].items():
        pull = event["pull_request"]
        github_context = {
            "event": event, "repository": repository, "token": "ghs_simulated", "actor": event["sender"]["login"],
            "event_name": "pull_request", "base_ref": pull["base"]["ref"], "head_ref": pull["head"]["ref"],
            "sha": pull["head"]["sha"], "workspace": os.path.join(work, job_id, "workspace"),
        }
        context = {"github": github_context, "needs": {}, "vars": {}, "secrets": {}}
        needed = job.get("needs", [])
        needed = [needed] if isinstance(needed, str) else needed
        context["needs"] = {name: needs_context[name] for name in needed}
        job_status = "success" if all(needs_context[n]["result"] == "success" for n in needed) else "failure"
        if not condition(job.get("if"), context, job_status):
            summary["jobs"][job_id] = {"result": "skipped", "steps": []}
            needs_context[job_id] = {"result": "skipped", "outputs": {}}
            continue
        root = os.path.join(work, job_id)
        workspace, temp = os.path.join(root, "workspace"), os.path.join(root, "temp")
        os.makedirs(workspace)
        os.makedirs(temp)
        files = {name: os.path.join(temp, name) for name in ("output", "env", "path", "summary")}
        for path in files.values():
            open(path, "w").close()  # the runner creates them before the steps run
        context["runner"] = {"temp": temp, "os": "Linux"}
        base_env = dict(os.environ)
        event_path = os.path.join(temp, "event.json")
        json.dump(event, open(event_path, "w"))
        base_env.update({
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace, "GITHUB_REPOSITORY": repository,
            "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event_path,
            "GITHUB_BASE_REF": pull["base"]["ref"], "GITHUB_HEAD_REF": pull["head"]["ref"],
            "GITHUB_SHA": pull["head"]["sha"], "GITHUB_REF": f"refs/pull/{pull['number']}/merge",
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_API_URL": "https://api.github.com",
            "GITHUB_ACTOR": event["sender"]["login"], "GITHUB_JOB": job_id, "RUNNER_TEMP": temp,
            "RUNNER_OS": "Linux", "GITHUB_STEP_SUMMARY": files["summary"],
        })
        job_env = {}
        for scope in (workflow.get("env", {}), job.get("env", {})):
            for key, value in scope.items():
                context["env"] = {**job_env}
                job_env[key] = interpolate(str(value), context)
        extra_path = []
        steps_context = {}
        context["steps"] = steps_context
        status = "success"
        results = []
        default_shell = (job.get("defaults", {}).get("run", {}) or {}).get("shell")
        for index, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            context["env"] = {**job_env}
            if not condition(step.get("if"), context, status):
                results.append({"name": name, "outcome": "skipped"})
                if "id" in step:
                    steps_context[step["id"]] = {"outcome": "skipped", "outputs": {}}
                continue
            step_env = {**job_env}
            for key, value in (step.get("env") or {}).items():
                step_env[key] = interpolate(str(value), context, status)
            open(files["output"], "w").close()
            log.write(f"::: {job_id} / {name}\n")
            if "uses" in step:
                inputs = {key: interpolate(str(value), context, status) for key, value in (step.get("with") or {}).items()}
                code = action(step["uses"], inputs, arguments, repository, workspace, work, log)
            else:
                shell = step.get("shell") or default_shell
                command = ["bash", "--noprofile", "--norc", "-eo", "pipefail"] if shell == "bash" else ["bash", "-e"]
                environment = {**base_env, **step_env, "GITHUB_OUTPUT": files["output"], "GITHUB_ENV": files["env"],
                               "GITHUB_PATH": files["path"]}
                environment["PATH"] = ":".join(extra_path + [base_env["PATH"]])
                code = run_shell(command, step["run"], os.path.join(workspace, step.get("working-directory", "")),
                                 environment, log)
            outputs = read_pairs(files["output"])
            job_env.update(read_pairs(files["env"]))
            if os.path.exists(files["path"]):
                extra_path = [line for line in open(files["path"]).read().split("\n") if line][::-1]
            outcome = "success" if code == 0 else "failure"
            results.append({"name": name, "outcome": outcome, "exitCode": code})
            if "id" in step:
                steps_context[step["id"]] = {"outcome": outcome, "outputs": outputs}
            if code != 0 and not step.get("continue-on-error"):
                status = "failure"
        summary["jobs"][job_id] = {"result": status, "steps": results}
        needs_context[job_id] = {"result": status, "outputs": {}}
    return summary


def action(uses, inputs, arguments, repository, workspace, work, log):
    """The actions the templates use, done as they are documented to."""
    name = uses.split("@")[0]
    store = os.path.join(work, "artifacts")
    if name == "actions/checkout":
        if inputs.get("repository", repository) == repository:
            # fetch-depth defaults to 1.
            clone(arguments["origin"], arguments["ref"], int(inputs.get("fetch-depth", "1")), workspace + "/.clone")
            for entry in os.listdir(workspace + "/.clone"):
                shutil.move(os.path.join(workspace, ".clone", entry), workspace)
            os.rmdir(workspace + "/.clone")
        else:
            # Another repository (dropscan's scripts): its sparse paths, from this working tree.
            destination = os.path.join(workspace, inputs.get("path", ""))
            for path in inputs.get("sparse-checkout", ".").split("\n"):
                if path.strip():
                    copy_tree(os.path.join(arguments["source"], path.strip()), os.path.join(destination, path.strip()))
        return 0
    if name == "actions/cache":
        # A hit: the dropscan install made beforehand stands for the one a first run would have cached.
        if os.path.isdir(arguments["install"]):
            copy_tree(arguments["install"], inputs["path"])
        return 0
    if name == "actions/upload-artifact":
        source = os.path.join(workspace, inputs["path"])
        if not os.path.isdir(source) or not os.listdir(source):
            log.write(f"upload-artifact: no files at {source}\n")
            return 0 if inputs.get("if-no-files-found") != "error" else 1
        copy_tree(source, os.path.join(store, inputs["name"]))
        return 0
    if name == "actions/download-artifact":
        source = os.path.join(store, inputs["name"])
        if not os.path.isdir(source):
            log.write(f"download-artifact: no artifact {inputs['name']}\n")
            return 1
        copy_tree(source, os.path.join(workspace, inputs.get("path", ".")))
        return 0
    if name == "github/codeql-action/upload-sarif":
        path = os.path.join(workspace, inputs["sarif_file"])
        with open(os.path.join(arguments["calls"]), "a") as calls:
            calls.write(json.dumps({"tool": "upload-sarif", "file": path, "exists": os.path.exists(path)}) + "\n")
        return 0 if os.path.exists(path) else 1
    raise SystemExit(f"simulate.py: the action {uses} is not simulated")


def glob_regex(pattern):
    out = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
        elif pattern.startswith("**", index):
            out += ".*"
            index += 2
        elif pattern[index] == "*":
            out += "[^/]*"
            index += 1
        else:
            out += re.escape(pattern[index])
            index += 1
    return re.compile(out + r"\Z")


def gitlab(arguments):
    pipeline = load(arguments["file"])
    variables = json.load(open(arguments["variables"]))
    work = arguments["work"]
    log = open(os.path.join(work, "ci.log"), "a")
    summary = {"jobs": {}}
    for job_id, job in pipeline.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        environment = dict(os.environ)
        environment.update({"CI": "true", "GITLAB_CI": "true"})
        environment.update({key: str(value) for key, value in (pipeline.get("variables") or {}).items()})
        environment.update({key: str(value) for key, value in (job.get("variables") or {}).items()})
        environment.update(variables)
        project = os.path.join(work, job_id, "project")
        temp = os.path.join(work, job_id, "tmp")
        os.makedirs(temp)
        environment["CI_PROJECT_DIR"] = project
        environment["TMPDIR"] = temp
        if not rules_match(job.get("rules"), environment, arguments):
            summary["jobs"][job_id] = {"result": "skipped"}
            continue
        depth = int(environment.get("GIT_DEPTH", "20"))
        clone(arguments["origin"], arguments["ref"], depth, project)
        cache = job.get("cache") or {}
        for path in cache.get("paths", []):
            # A hit: the dropscan install made beforehand stands for the one a first run would have cached.
            copy_tree(arguments["install"], os.path.join(project, path))
        script = "set -eo pipefail\n" + "\n".join(job.get("before_script", []) + job["script"]) + "\n"
        log.write(f"::: {job_id}\n")
        code = run_shell(["bash", "--noprofile", "--norc"], script, project, environment, log)
        result = "success" if code == 0 else "failed"
        artifacts = job.get("artifacts") or {}
        kept = {}
        if code == 0 or artifacts.get("when") in ("always", "on_failure"):
            for path in artifacts.get("paths", []):
                if os.path.exists(os.path.join(project, path)):
                    copy_tree(os.path.join(project, path), os.path.join(work, "artifacts", path))
            for kind, path in (artifacts.get("reports") or {}).items():
                kept[kind] = os.path.exists(os.path.join(project, path))
        summary["jobs"][job_id] = {"result": result, "exitCode": code, "reports": kept}
    return summary


def rules_match(rules, environment, arguments):
    if rules is None:
        return True
    for rule in rules:
        expression = rule.get("if")
        if expression:
            match = re.fullmatch(r'\s*\$(\w+)\s*(==|!=)\s*"([^"]*)"\s*', expression)
            if not match:
                raise SystemExit(f"simulate.py: the rule {expression!r} is not simulated")
            equal = environment.get(match.group(1), "") == match.group(3)
            if equal != (match.group(2) == "=="):
                continue
        if "changes" in rule:
            changed = arguments["changed"]
            patterns = [glob_regex(pattern) for pattern in rule["changes"]]
            if not any(pattern.match(path) for pattern in patterns for path in changed):
                continue
        return rule.get("when", "on_success") != "never"
    return False


def blocks(kind, path):
    """Every shell block of a template: GitHub `run:` steps and GitLab's before_script + script and
    after_script, each as the shell receives it."""
    document = load(path)
    out = []
    if kind == "github":
        for job_id, job in document["jobs"].items():
            for index, step in enumerate(job["steps"]):
                if "run" in step:
                    out.append({"name": f"{job_id}: {step.get('name', index)}", "script": step["run"]})
    else:
        for job_id, job in document.items():
            if isinstance(job, dict) and "script" in job:
                out.append({"name": job_id, "script": "\n".join(job.get("before_script", []) + job["script"])})
                if job.get("after_script"):
                    out.append({"name": job_id + " after_script", "script": "\n".join(job["after_script"])})
    return out


def validate(schema_path, path):
    """Prints the schema's complaints about a template as a JSON list; exits 1 when there are any."""
    import jsonschema

    schema = json.load(open(schema_path))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(load(path)), key=lambda error: list(error.path))
    print(json.dumps([{"path": [str(part) for part in error.path], "message": error.message[:500]} for error in errors]))
    sys.exit(1 if errors else 0)


def main():
    arguments = sys.argv[1:]
    if arguments[0] == "validate":
        validate(arguments[1], arguments[2])
        return
    if arguments[0] == "blocks":
        print(json.dumps(blocks(arguments[1], arguments[2])))
        return
    kind, options = arguments[0], {"file": arguments[1]}
    rest = arguments[2:]
    for index in range(0, len(rest), 2):
        options[rest[index].lstrip("-")] = rest[index + 1]
    options["calls"] = os.environ["FAKE_CALLS"]
    if kind == "gitlab":
        options["changed"] = subprocess.run(
            ["git", "-C", options["repo"], "diff", "--name-only", options["target"] + "..." + options["ref"]],
            check=True, capture_output=True, text=True).stdout.split()
        summary = gitlab(options)
    else:
        summary = github(options)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
