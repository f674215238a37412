"""README.md's "Try it" runs as written (issue 9 item 5): every command of
its code blocks, read from README.md itself, against `make run`'s launcher
(scripts/run.sh) started in a directory laid out like the repository's
top (scripts/, examples/, var/), with only the port changed, the way the
README documents it: a sipsak command gets `-r PORT` (the port of a
non-default SIP_PORT), and the README's own `-r 5070` becomes `-r PORT`.
The MESSAGE example works however its file is saved: as shipped, without
a final newline, with CR LF line ends."""

import os
import re
import shlex
import subprocess

from imtest.procs import TOP, free_port, interrupt_launcher, processes_under, start_launcher
from imtest.sip import SipUA

EXAMPLE_PORT = "5070"   # the port README.md shows for a non-default SIP_PORT


def readme_blocks(heading):
    """The code blocks of README.md's section under heading, each a list of
    command lines (comments and blank lines left out)."""
    with open(os.path.join(TOP, "README.md")) as f:
        text = f.read()
    section = text.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"^```\n(.*?)^```", section, re.S | re.M)
    return [[line for line in b.splitlines() if line.strip() and not line.startswith("#")]
            for b in blocks]


def try_it_blocks():
    return readme_blocks("Try it")


def with_port(argv, port):
    """The README's command for a server on port: sipsak takes -r PORT."""
    if argv[0] != "sipsak":
        return argv
    if "-r" in argv:
        i = argv.index("-r")
        assert argv[i + 1] == EXAMPLE_PORT, argv
        return argv[:i + 1] + [str(port)] + argv[i + 2:]
    return argv[:1] + ["-r", str(port)] + argv[1:]


def start_run(top, sip_port):
    return start_launcher(top, SIP_PORT=str(sip_port))


def run(argv, cwd):
    out = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60)
    return out.returncode, out.stdout + out.stderr


def test_try_it_runs_as_written(tmp_path):
    blocks = try_it_blocks()
    assert len(blocks) == 2, blocks
    top = tmp_path / "top"
    (top / "examples").mkdir(parents=True)
    os.symlink(os.path.join(TOP, "scripts"), top / "scripts")
    with open(os.path.join(TOP, "examples", "message.sip"), "rb") as f:
        shipped = f.read()
    assert shipped.endswith(b"\n")
    port = free_port()
    p, output = start_run(top, port)
    bob = None
    try:
        assert any("IM server ready" in line for line in output), "".join(output[-30:])
        # "with a SIP client registered as bob@127.0.0.1 (password bob)"
        bob = SipUA("bob", "127.0.0.1", "bob", proxy=("127.0.0.1", port))
        bob.auto_reply["MESSAGE"] = 200
        assert bob.register().status == 200

        saved = [("as shipped", shipped), ("no final newline", shipped.rstrip(b"\n")),
                 ("CR LF", shipped.replace(b"\n", b"\r\n"))]
        for n, (how, content) in enumerate(saved):
            (top / "examples" / "message.sip").write_bytes(content)
            for line in blocks[0] + blocks[1]:
                if n and "message.sip" not in line:
                    continue    # every command once; the MESSAGE per file
                argv = with_port(shlex.split(line, comments=True), port)
                rc, out = run(argv, top)
                assert rc == 0 and not re.search(r"^error: ", out, re.M), f"{how}: {line}: {out}"
                if "message.sip" in line:
                    got = bob.wait_request("MESSAGE")
                    assert got.msg.body.rstrip(b"\r\n") == b"hello", (how, got.msg.body)
                    assert got.msg.from_.uri == "sip:alice@127.0.0.1"
                if "policy_list" in line:
                    assert "max_size" in out and "100000" in out, out
        # the banner's own register and message lines, as printed
        for label in ("register", "message"):
            line = next(l for l in output if l.startswith(f"  {label} "))
            rc, out = run(shlex.split(line)[1:], top)
            assert rc == 0, f"{line}: {out}"
        assert bob.wait_request("MESSAGE").msg.body.rstrip(b"\r\n") == b"hello"
        # the user the last command provisioned registers
        dave = SipUA("dave", "127.0.0.1", "secret", proxy=("127.0.0.1", port))
        try:
            assert dave.register().status == 200
            dave.register(expires=0)
        finally:
            dave.close()
        bob.register(expires=0)
    finally:
        if bob:
            bob.close()
        rc, log = interrupt_launcher(p, output)
    assert rc == 0, log[-3000:]
    assert processes_under(tmp_path) == ""
    # sipsak's MESSAGEs are read whole, never refused for their length
    assert "Content-Length mis-match" not in log


README_PG_PORT = "15432"   # PG_PORT's default, which README.md's examples use


def test_postgres_examples_run_as_written(reachable_tmp):
    """README.md's PostgreSQL section: each command, run by a shell at the
    top of a tree like the repository's while `DB=postgres make run`
    serves, with only the cluster's port changed."""
    [block] = readme_blocks("PostgreSQL: `DB=postgres make run`")
    top = reachable_tmp / "top"
    top.mkdir()
    os.symlink(os.path.join(TOP, "scripts"), top / "scripts")
    port, pg_port = free_port(), free_port()
    p, output = start_launcher(top, SIP_PORT=str(port), DB="postgres", PG_PORT=str(pg_port))
    try:
        assert any("IM server ready" in line for line in output), "".join(output[-30:])
        for line in block:
            assert README_PG_PORT in line, line
            rc, out = run(["bash", "-c", line.replace(README_PG_PORT, str(pg_port))], top)
            assert rc == 0, f"{line}: {out}"
            if " list" in line:
                assert "dave@127.0.0.1" in out.split(), out
        dave = SipUA("dave", "127.0.0.1", "secret", proxy=("127.0.0.1", port))
        try:
            assert dave.register().status == 200
            assert dave.register(expires=0).status == 200
        finally:
            dave.close()
    finally:
        rc, log = interrupt_launcher(p, output)
    assert rc == 0, log[-3000:]
    assert processes_under(reachable_tmp) == ""
