"""Write a tiny random-weight Llama model as GGUF, for the real engine the tests start.

The weights are random, so the answers are gibberish, but the engine (llama-cpp-python's
OpenAI-compatible server) is real: its chunks, finish reasons, ``[DONE]``, errors and
disconnects are its own. No model hub is reached: the file is made here, deterministically.

The output layer only scores a list of English words, so an answer reads as words (never a
control token, a stray byte or an early end of sequence): tests can count on a long stream.

usage: python3 scripts/engine/make_tiny_model.py [OUT]   (default: the cache path below)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from gguf import GGUFWriter, TokenType

DEFAULT_PATH = Path.home() / ".cache" / "jupyterlab-lws" / "engine" / "tiny.gguf"

CONTEXT = 4096
EMBEDDING = 256
LAYERS = 4
HEADS = 4
FEED_FORWARD = 512

WORDS = [
    "hello",
    "world",
    "model",
    "token",
    "stream",
    "answer",
    "cluster",
    "node",
    "leader",
    "worker",
    "serve",
    "smoke",
    "test",
    "chat",
    "fast",
    "small",
    "tiny",
    "random",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "is",
    "it",
    "that",
    "this",
    "with",
    "for",
    "on",
    "as",
    "are",
    "be",
    "by",
    "was",
    "at",
]

# A plain chat template: role markers spelled with ordinary text (tokenised as bytes).
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def vocabulary() -> tuple[list[str], list[int]]:
    """SentencePiece-style tokens: control tokens, the 256 byte fallbacks, then the words."""
    tokens = ["<unk>", "<s>", "</s>"]
    types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]
    tokens += [f"<0x{byte:02X}>" for byte in range(256)]
    types += [TokenType.BYTE] * 256
    tokens += ["\u2581" + word for word in WORDS]
    types += [TokenType.NORMAL] * len(WORDS)
    return tokens, [int(kind) for kind in types]


def write(path: Path) -> None:
    """Write the model to ``path`` (same bytes every time)."""
    rng = np.random.default_rng(20261202)
    tokens, types = vocabulary()
    vocab = len(tokens)
    first_word = vocab - len(WORDS)

    def weights(*shape: int, scale: float = 0.05) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = GGUFWriter(str(path), "llama")
    writer.add_name("jupyterlab-lws tiny test model")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(EMBEDDING)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(EMBEDDING // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(0)  # all float32
    writer.add_vocab_size(vocab)

    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * first_word + [-1.0] * len(WORDS))
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_chat_template(CHAT_TEMPLATE)

    # numpy shapes are ggml's dimensions reversed: (rows = outputs, columns = inputs).
    writer.add_tensor("token_embd.weight", weights(vocab, EMBEDDING, scale=1.0))
    for layer in range(LAYERS):
        block = f"blk.{layer}"
        writer.add_tensor(f"{block}.attn_norm.weight", np.ones(EMBEDDING, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{block}.{name}.weight", weights(EMBEDDING, EMBEDDING))
        writer.add_tensor(f"{block}.ffn_norm.weight", np.ones(EMBEDDING, dtype=np.float32))
        writer.add_tensor(f"{block}.ffn_gate.weight", weights(FEED_FORWARD, EMBEDDING))
        writer.add_tensor(f"{block}.ffn_up.weight", weights(FEED_FORWARD, EMBEDDING))
        writer.add_tensor(f"{block}.ffn_down.weight", weights(EMBEDDING, FEED_FORWARD))
    writer.add_tensor("output_norm.weight", np.ones(EMBEDDING, dtype=np.float32))
    # Logits of the words spread widely (std ~15); every other token scores exactly 0, so it
    # is practically never sampled, not even at a high temperature.
    output = np.zeros((vocab, EMBEDDING), dtype=np.float32)
    output[first_word:] = weights(len(WORDS), EMBEDDING, scale=1.0)
    writer.add_tensor("output.weight", output)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    write(target)
    print(target)
