"""Writes the bundled demo conversations (deterministic): short chats in the shape the
reference's tutorial uses ({"messages": [{"role": ..., "content": ...}, ...]}). Simple,
learnable replies so a tiny model's loss visibly falls on CPU."""
import json
import random
import sys

rng = random.Random(1234)
capitals = {"France": "Paris", "Germany": "Berlin", "Italy": "Rome", "Spain": "Madrid", "Japan": "Tokyo",
            "Canada": "Ottawa", "Egypt": "Cairo", "Kenya": "Nairobi", "Peru": "Lima", "Norway": "Oslo",
            "Denmark": "Copenhagen", "Poland": "Warsaw", "Greece": "Athens", "Chile": "Santiago"}
colors = ["red", "blue", "green", "yellow", "purple", "orange"]
system = "You are a concise assistant."


def conversation(i):
    kind = i % 4
    msgs = [{"role": "system", "content": system}] if i % 3 == 0 else []
    if kind == 0:
        a, b = rng.randint(1, 50), rng.randint(1, 50)
        msgs += [{"role": "user", "content": f"What is {a} plus {b}?"},
                 {"role": "assistant", "content": f"{a} plus {b} is {a + b}."}]
    elif kind == 1:
        country = rng.choice(sorted(capitals))
        msgs += [{"role": "user", "content": f"What is the capital of {country}?"},
                 {"role": "assistant", "content": f"The capital of {country} is {capitals[country]}."}]
    elif kind == 2:
        word = rng.choice(colors)
        msgs += [{"role": "user", "content": f"Spell the word {word}."},
                 {"role": "assistant", "content": "-".join(word.upper())},
                 {"role": "user", "content": "Thanks!"},
                 {"role": "assistant", "content": "You are welcome."}]
    else:
        n = rng.randint(2, 9)
        msgs += [{"role": "user", "content": f"Count from 1 to {n}."},
                 {"role": "assistant", "content": ", ".join(str(k) for k in range(1, n + 1)) + "."}]
    return {"id": i, "messages": msgs}


with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(400):
        f.write(json.dumps(conversation(i), ensure_ascii=False) + "\n")
