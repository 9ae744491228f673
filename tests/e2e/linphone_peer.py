"""linphonec (Debian's linphone-cli, liblinphone 5.x) as a SIP peer of the
end-to-end tests: one account registered to hotlined from a private HOME,
no sound card (audio comes from and goes to WAV files), commands written to
its stdin, which stays open as a pipe for the peer's lifetime.

Two things linphonec needs that are easy to miss (see docs/decisions.md):
its data directory ($HOME/.local/share/linphone) must exist, or the core never
starts (no SIP socket, no REGISTER, no error on the console); and a port of
0 turns a transport off (-1 means "any port")."""
import math
import os
import pathlib
import shutil
import signal
import struct
import subprocess
import time
import wave

from e2e_helpers import free_sip_port


class Linphone:
    """One linphonec with one account (user@domain, outbound proxy hotlined
    on 127.0.0.1:proxy_port). Calls run in file mode once start() has been
    called with play= and/or record= (WAV paths)."""

    def __init__(self, workdir, name, user, password, domain, proxy_port,
                 codecs=("PCMU",), transport="udp", address="127.0.0.1"):
        self.dir = pathlib.Path(workdir) / f"linphone-{name}"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.home = self.dir / "home"
        (self.home / ".local" / "share" / "linphone").mkdir(parents=True)
        (self.home / ".config").mkdir()
        self.address = address
        self.port = free_sip_port()
        rtp = 40000 + 2 * (self.port % 5000)
        self.rc = self.dir / "linphonerc"
        self.rc.write_text(self._config(user, password, domain, proxy_port, codecs,
                                        transport, rtp))
        self.log_path = self.dir / "linphonec.log"
        self.debug_path = self.dir / "liblinphone.log"
        self.proc = None

    def _config(self, user, password, domain, proxy_port, codecs, transport, rtp):
        # the server is the outbound proxy (route) as well: `demo` is no DNS name
        proxy = f"<sip:127.0.0.1:{proxy_port};transport={transport}>"
        sections = {
            "sip": {"sip_port": self.port, "sip_tcp_port": 0, "sip_tls_port": 0,
                    "bind_address": self.address, "default_proxy": 0,
                    "inc_timeout": 60, "use_ipv6": 0},
            "rtp": {"audio_rtp_port": f"{rtp}-{rtp + 9}", "audio_jitt_comp": 60},
            "net": {"firewall_policy": 0},
            "misc": {"add_missing_audio_codecs": 0, "add_missing_video_codecs": 0},
            "video": {"enabled": 0, "capture": 0, "display": 0, "automatically_initiate": 0,
                      "automatically_accept": 0},
            "proxy_0": {"reg_proxy": proxy, "reg_route": proxy,
                        "reg_identity": f"sip:{user}@{domain}", "reg_expires": 300,
                        "reg_sendregister": 1, "publish": 0, "dial_escape_plus": 0},
            "auth_info_0": {"username": user, "passwd": password, "realm": domain,
                            "domain": domain},
        }
        for i, mime in enumerate(codecs):
            sections[f"audio_codec_{i}"] = {"mime": mime, "rate": 8000, "channels": 1,
                                            "enabled": 1}
        lines = []
        for name, values in sections.items():
            lines.append(f"[{name}]")
            lines += [f"{k}={v}" for k, v in values.items()]
            lines.append("")
        return "\n".join(lines)

    def start(self, autoanswer=False, play=None, record=None, seconds=120):
        """play/record: WAV files for what we send and what we hear (file
        mode; linphonec has no sound card here). linphonec is ended after
        `seconds` whatever happens (it does not quit when its stdin closes)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
        env.update(HOME=str(self.home), XDG_DATA_HOME=str(self.home / ".local" / "share"),
                   XDG_CONFIG_HOME=str(self.home / ".config"), PULSE_SERVER="none")
        args = ["timeout", "-k", "5", str(seconds),
                "linphonec", "-c", str(self.rc), "-d", "6", "-l", str(self.debug_path)]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.dir, env=env,
                                     start_new_session=True)
        if play or record:
            self.command("soundcard use files")
        if play:
            self.command(f"play {play}")
        if record:
            self.command(f"record {record}")
        if autoanswer:
            self.command("autoanswer enable")
        return self

    def command(self, line):
        """Types one command line at the linphonec prompt."""
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def output(self):
        return self.log_path.read_text(errors="replace")

    def debug_log(self):
        return self.debug_path.read_text(errors="replace") if self.debug_path.exists() else ""

    def wait_for(self, text, timeout=10, debug=False):
        """Waits until `text` shows on linphonec's console (or, with debug,
        in liblinphone's log, which holds every SIP message)."""
        read = self.debug_log if debug else self.output
        end = time.time() + timeout
        while time.time() < end:
            if text in read():
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        return text in read()

    def registration_status(self, timeout=5):
        """What `status register` answers: "registered, identity=... duration=..."
        or "registered=<state>" when not registered (-1: failed)."""
        before = self.output().count("linphonec> status register")
        self.command("status register")
        end = time.time() + timeout
        while time.time() < end:
            out = self.output()
            if out.count("linphonec> status register") > before:
                tail = out.rsplit("linphonec> status register", 1)[1].lstrip("\n")
                if "\n" in tail:
                    return tail.split("\n", 1)[0].strip()
            time.sleep(0.1)
        return None

    def stop(self):
        """quit at the prompt (ends calls, unregisters), then SIGTERM, then
        kill (the whole session: `timeout` and linphonec)."""
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self.command("quit")
                self.proc.stdin.close()
                self.proc.wait(8)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        finally:
            if not self.proc.stdin.closed:
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
            self.log.close()


def tone_wav(path, hz, seconds=30, rate=8000):
    """A mono 16-bit sine WAV for linphonec's `play` (longer than any call)."""
    samples = (int(12000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(rate * seconds))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", x) for x in samples))
    return path


def repaired_wav(path):
    """linphonec's recording with its chunk sizes set from the file length
    (mediastreamer counts the 44-byte header in the data size, so Python's
    wave module would read past the end). Returns the path of a fixed copy."""
    raw = bytearray(pathlib.Path(path).read_bytes())
    at = raw.find(b"data", 12)
    if raw[:4] != b"RIFF" or at < 0:
        raise AssertionError(f"{path} is no WAV file")
    data = len(raw) - (at + 8)
    data -= data % 2
    struct.pack_into("<I", raw, 4, at + data)
    struct.pack_into("<I", raw, at + 4, data)
    fixed = pathlib.Path(path).with_suffix(".fixed.wav")
    fixed.write_bytes(bytes(raw[:at + 8 + data]))
    return fixed
