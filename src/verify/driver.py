"""articulate's recogniser driver: faster-whisper (CTranslate2) with one Whisper model loaded
once, answering request after request over stdin/stdout.

A request is one JSON line, optionally followed by `samples` little-endian 16-bit mono PCM
samples at 16 kHz (at most 30 s: one Whisper window):

  {"key": "w1", "samples": N, "language": "en",
   "transcribe": true, "hotwords": "Oseman Heartstopper",
   "align": ["Netflix's", "Heartstopper:", ...]}

`transcribe` decodes what was said (greedy, no timestamps); `align` force-aligns the given
words to the audio and returns, per word, its start and end in seconds and the probability
the model gives each of its tokens. A request without audio reuses the window last sent
under the same key (the encoder's output is kept for the last few keys).

The answer is one JSON line: {"text": "...", "words": [[start, end, p], ...]} or
{"error": "..."}, where p is the probability of the word's first token with a letter or digit. Run as a separate process so Python stays out of the articulate binary.
"""

import collections
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SAMPLE_RATE = 16000
WINDOW = 30 * SAMPLE_RATE
KEEP = 8


def repaired_tokenizer(model_dir, tokenizer):
    """The tokenizer.json some Whisper conversions ship lacks GPT-2's first BPE merge
    ("Ġ t"), so " the" encodes as " " + "the" and every word starting with t gets tokens the
    model never saw; decoding is unaffected, but forced alignment and prompts are not."""
    import tokenizers

    path = os.path.join(model_dir, "tokenizer.json")
    if not os.path.exists(path):
        return tokenizer
    with open(path, encoding="utf-8") as file:
        spec = json.load(file)
    merges = spec.get("model", {}).get("merges")
    if not merges:
        return tokenizer
    first = "Ġ t" if isinstance(merges[0], str) else ["Ġ", "t"]
    if first in merges:
        return tokenizer
    merges.insert(0, first)
    return tokenizers.Tokenizer.from_str(json.dumps(spec))


def main():
    try:
        import numpy as np
        from faster_whisper import WhisperModel
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer
    except ImportError as error:
        sys.stdout.write(json.dumps({"missing": "faster-whisper (%s)" % error}) + "\n")
        return

    model_dir, threads = sys.argv[1], int(sys.argv[2])
    whisper = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
    whisper.hf_tokenizer = repaired_tokenizer(model_dir, whisper.hf_tokenizer)
    model = whisper.model
    tokenizers = {}
    windows = collections.OrderedDict()
    stdin, out = sys.stdin.buffer, sys.stdout

    def tokenizer(language):
        if language not in tokenizers:
            tokenizers[language] = Tokenizer(
                whisper.hf_tokenizer, model.is_multilingual, task="transcribe", language=language
            )
        return tokenizers[language]

    def encode(pcm):
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        features = whisper.feature_extractor(audio)[:, :-1]
        frames = min(features.shape[-1], 3000)
        return whisper.encode(pad_or_trim(features[:, :3000])), frames

    def transcribe(window, language, hotwords):
        t = tokenizer(language)
        prompt = []
        if hotwords:
            prompt = [t.sot_prev] + t.encode(" " + hotwords.strip())[: whisper.max_length // 2 - 1]
        prompt += list(t.sot_sequence) + [t.no_timestamps]
        result = model.generate(
            window,
            [prompt],
            beam_size=1,
            max_length=whisper.max_length,
            suppress_blank=True,
            suppress_tokens=[-1],
        )[0]
        tokens = [i for i in result.sequences_ids[0] if i < t.eot]
        return t.decode(tokens).strip()

    def align(window, frames, language, words):
        t = tokenizer(language)
        pieces = [t.encode(" " + w) for w in words]
        tokens = [i for p in pieces for i in p]
        if not tokens:
            return [[0.0, 0.0, 1.0] for _ in words]
        result = model.align(window, t.sot_sequence, [tokens], frames, median_filter_width=7)[0]
        probs = result.text_token_probs
        text_indices = np.array([pair[0] for pair in result.alignments])
        time_indices = np.array([pair[1] for pair in result.alignments])
        jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
        jump_times = time_indices[jumps] / whisper.tokens_per_second
        answer, at = [], 0
        for piece in pieces:
            start = float(jump_times[min(at, len(jump_times) - 1)])
            end = float(jump_times[min(at + len(piece), len(jump_times) - 1)])
            # The first token with a letter or digit is the one the audio decides; the rest
            # of a word follows from it, and punctuation is the model's guess.
            spoken = [
                float(p)
                for token, p in zip(piece, probs[at : at + len(piece)])
                if any(c.isalnum() for c in t.decode([token]))
            ]
            answer.append([start, end, spoken[0] if spoken else 1.0])
            at += len(piece)
        return answer

    out.write(json.dumps({"ready": True, "multilingual": model.is_multilingual}) + "\n")
    out.flush()
    while True:
        line = stdin.readline()
        if not line:
            break
        try:
            request = json.loads(line)
            samples = int(request.get("samples", 0))
            pcm = stdin.read(samples * 2) if samples else b""
            if len(pcm) != samples * 2:
                break
            key = request.get("key", "")
            if samples:
                windows[key] = encode(pcm[: WINDOW * 2])
                while len(windows) > KEEP:
                    windows.popitem(last=False)
            if key not in windows:
                raise KeyError("no audio for key %r" % key)
            window, frames = windows[key]
            language = request.get("language") or "en"
            answer = {}
            if request.get("transcribe"):
                answer["text"] = transcribe(window, language, request.get("hotwords"))
            if request.get("align") is not None:
                answer["words"] = align(window, frames, language, request["align"])
        except Exception as error:  # report every failure, keep serving
            answer = {"error": "%s: %s" % (type(error).__name__, str(error).replace("\n", " ")[:300])}
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
