#!/usr/bin/env python3
"""The `mailroom dev` web page (issue #14) in headless Chromium, driven over
the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out,
NUL-terminated JSON). It loads; a message sent over SMTP appears in the list
without a reload; its HTML is shown in the sandboxed frame without running
its script or loading its remote image (a local HTTP server counts every
request); a session's dialogue is shown. A screenshot of each view goes to
$MAILROOM_SCREENSHOT_DIR (the build directory's dev-page-screenshots/)."""
import base64
import http.server
import json
import os
import queue
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_dev import Dev  # noqa: E402

SHOTS = os.environ.get("MAILROOM_SCREENSHOT_DIR", os.path.join(tempfile.gettempdir(), "mailroom-dev-page"))


class Detector(http.server.BaseHTTPRequestHandler):
    """Stands for the remote web: any request reaching it is a leak."""
    hits = []

    def do_GET(self):
        Detector.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="mailroom-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        # --no-sandbox: Chromium's own sandbox cannot start as root (CI runs as root).
        self.proc = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
             # one renderer for the page and its sandboxed frame, so DOM.getDocument reaches into the frame
             "--disable-site-isolation-trials", "--disable-features=IsolateOrigins,site-per-process", "--window-size=1280,800",
             "about:blank"], preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.next_id = 0
        self.replies = {}
        self.events = queue.Queue()
        self.lock = threading.Condition()
        threading.Thread(target=self.read_loop, daemon=True).start()
        target = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def read_loop(self):
        buf = b""
        while True:
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self.lock:
                        self.replies[msg["id"]] = msg
                        self.lock.notify_all()
                else:
                    self.events.put(msg)

    def call(self, method, session=False, **params):
        self.next_id += 1
        n = self.next_id
        msg = {"id": n, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        with self.lock:
            if not self.lock.wait_for(lambda: n in self.replies, timeout=30):
                raise AssertionError("no reply to " + method)
            reply = self.replies.pop(n)
        if "error" in reply:
            raise AssertionError("%s: %s" % (method, reply["error"]))
        return reply["result"]

    def eval(self, expression):
        r = self.call("Runtime.evaluate", session=True, expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            raise AssertionError("%s: %s" % (expression, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait_for(self, expression, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval(expression):
                return True
            time.sleep(0.1)
        return False

    def screenshot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path = os.path.join(SHOTS, name + ".png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.call("Browser.close")
        except AssertionError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)


def frame_document(node):
    """The contentDocument of the message's <iframe id="m-html">, or None."""
    attrs = node.get("attributes", [])
    if node.get("nodeName") == "IFRAME" and "m-html" in attrs[1::2]:
        return node.get("contentDocument")
    for child in node.get("children", []) + node.get("shadowRoots", []):
        found = frame_document(child)
        if found:
            return found
    return None


def text_of(node):
    """The rendered text under `node`: its text nodes, not script or style bodies."""
    if not node or node.get("nodeName") in ("SCRIPT", "STYLE"):
        return ""
    own = node.get("nodeValue", "") if node.get("nodeType") == 3 else ""
    return own + "".join(text_of(c) for c in node.get("children", []))


def html_message(remote):
    return ("From: Shop <shop@sender.example>\r\nTo: bob@one.test\r\nSubject: Your order has shipped\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour order has shipped.\r\n"
            "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<html><body><h1 id=\"h\">Order shipped</h1><img src=\"%s/tracking-pixel.png\">"
            "<script>fetch(\"%s/script-ran\");document.getElementById(\"h\").textContent=\"SCRIPT RAN\"</script>"
            "</body></html>\r\n--b1--\r\n" % (remote, remote)).encode()


class DevPageTest(unittest.TestCase):
    def test_page_lists_live_shows_html_safely_and_a_dialogue(self):
        detector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Detector)
        threading.Thread(target=detector.serve_forever, daemon=True).start()
        remote = "http://127.0.0.1:%d" % detector.server_address[1]
        dev = Dev()
        browser = Browser()
        try:
            browser.call("Page.navigate", session=True, url=dev.ports["http"] + "/")
            self.assertTrue(browser.wait_for("document.querySelector('#live') && "
                                             "document.querySelector('#live').textContent === 'live'"),
                            "the page never connected its event stream")
            self.assertTrue(browser.eval("!document.querySelector('#no-messages').hidden"))
            browser.eval("window.__loaded_once = true")  # gone if the page reloads
            print("screenshot:", browser.screenshot("1-empty"))

            with smtplib.SMTP("127.0.0.1", dev.ports["smtp"], timeout=10) as s:
                s.sendmail("shop@sender.example", ["bob@one.test"], html_message(remote))
            self.assertTrue(browser.wait_for("document.querySelectorAll('#message-list li').length === 1"),
                            "the message never appeared in the list")
            self.assertTrue(browser.eval("window.__loaded_once === true"), "the page reloaded")
            self.assertIn("Your order has shipped", browser.eval("document.querySelector('#message-list').innerText"))
            print("screenshot:", browser.screenshot("2-list"))

            browser.eval("document.querySelector('#message-list li').click()")
            self.assertTrue(browser.wait_for("!document.querySelector('#message').hidden && "
                                             "document.querySelector('#m-html').src.endsWith('/html')"))
            self.assertEqual(browser.eval("document.querySelector('#m-html').getAttribute('sandbox')"), "")
            # The frame is sandboxed (no same-origin): read its document through DevTools.
            deadline, frame_text = time.time() + 10, ""
            while time.time() < deadline and "Order shipped" not in frame_text:
                doc = browser.call("DOM.getDocument", session=True, depth=-1, pierce=True)
                frame_text = text_of(frame_document(doc["root"]))
                time.sleep(0.2)
            self.assertIn("Order shipped", frame_text, "the HTML part was not shown")
            self.assertNotIn("SCRIPT RAN", frame_text)
            time.sleep(1)  # time for a script or an image to reach the detector, were either allowed
            self.assertEqual(Detector.hits, [], "the message reached the remote web")
            print("screenshot:", browser.screenshot("3-message-html"))

            browser.eval("document.querySelector('nav button[data-view=sessions]').click()")
            self.assertTrue(browser.wait_for("document.querySelectorAll('#session-list li').length >= 1"))
            browser.eval("document.querySelector('#session-list li').click()")
            self.assertTrue(browser.wait_for(
                "document.querySelector('#s-dialogue').innerText.toLowerCase().includes('mail from:<shop@sender.example>')"),
                "the session's dialogue was not shown")
            self.assertIn("S: 220", browser.eval("document.querySelector('#s-dialogue').innerText"))
            print("screenshot:", browser.screenshot("4-session"))
        finally:
            browser.close()
            dev.stop()
            detector.shutdown()


if __name__ == "__main__":
    unittest.main(verbosity=2)
