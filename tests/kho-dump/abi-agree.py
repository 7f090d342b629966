#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""abi-agree.py TOP KHO_DUMP: do the kernel, kho-dump and the ABI doc agree?

Three views of the handover are compared:

  kernel   what kernel/kho/*.c, the handlers elsewhere in the tree
           (HANDLERS: VT-d, VFIO) and include/uapi/linux/kho.h write: the
           compatible strings, the (name, compatible) of every struct
           kho_handler, the property names given to kho_fdt_property*()
           and kho_node_*() (string literals, #defines, and arrays whose
           name has "prop" in it), child node name formats ("memfd@%lu"),
           the handover structs and constants of the uapi header
  tool     kho-dump --list-known: its decoder table
  doc      Documentation/kho/abi.rst: a section headed ``/path`` per node
           (":compatible: ``...``" or ":compatible: none", then a table of
           ``property``  type  yes|no  meaning), a section headed
           ``struct NAME`` per structure (a table of ``member``  offset ...)

tool and doc must be the same table (nodes, compatibles, properties, types,
required or not); every kernel compatible, handler, property name and child
format must be in both, and every one in the tool must be the kernel's;
every member of a handover struct and every handover constant of the uapi
header must be in the doc. The ioctl structs and constants of /dev/kho are
not handover ABI and are skipped.

Prints one line per disagreement and exits 1; else a "#" line per view and
a summary line, and exits 0.
"""
import re
import subprocess
import sys
from pathlib import Path

STR = r'"(?:[^"\\]|\\.)*"'
EXPR = r'(?:%s|[A-Z_][A-Z0-9_]*)(?:\s+(?:%s|[A-Z_][A-Z0-9_]*))*' % (STR, STR)
COMPAT = re.compile(r'^[a-z0-9-]+,[a-z0-9.-]+-v[0-9]+$')
# Handlers outside kernel/kho/ that write a node of the handover. Each must
# exist: a moved file would otherwise drop its node from the comparison.
HANDLERS = ['drivers/iommu/intel/kho.c', 'drivers/vfio/kho.c']


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', ' ', text)


class Kernel:
    """What the kernel sources write."""

    def __init__(self, top):
        files = sorted((top / 'kernel/kho').glob('*.c'))
        # KUnit and the corruption generator (corrupt.c) write what the
        # ABI forbids on purpose: what they write is not the ABI.
        files = [f for f in files
                 if not f.name.endswith('_kunit.c') and f.name != 'corrupt.c']
        self.missing = [h for h in HANDLERS if not (top / h).exists()]
        files += [top / h for h in HANDLERS]
        files += [top / 'include/uapi/linux/kho.h', top / 'include/linux/kho.h']
        self.uapi = (top / 'include/uapi/linux/kho.h').read_text()
        texts = [strip_comments(f.read_text()) for f in files if f.exists()]
        self.text = '\n'.join(texts)
        self.defines = {}
        for name, value in re.findall(r'^\s*#\s*define\s+(\w+)\s+(.+)$',
                                      self.text, re.M):
            self.defines[name] = value.strip()
        self.compatibles = set()
        self.props = set()
        self.handlers = set()
        self.child_formats = set()
        self._scan()

    def resolve(self, expr, depth=0):
        """A C string expression (literals and macros) as a string, or None."""
        out = ''
        for tok in re.findall(r'%s|[A-Za-z_]\w*' % STR, expr):
            if tok.startswith('"'):
                out += bytes(tok[1:-1], 'utf-8').decode('unicode_escape')
            elif tok in self.defines and depth < 8:
                val = self.resolve(self.defines[tok], depth + 1)
                if val is None:
                    return None
                out += val
            else:
                return None
        return out

    def _scan(self):
        t = self.text
        for lit in re.findall(STR, t):
            s = self.resolve(lit)
            if s and COMPAT.match(s):
                self.compatibles.add(s)
        calls = r'(?:kho_fdt_property(?:_u64|_string)?|kho_node_(?:u64|prop))'
        for expr in re.findall(r'%s\s*\(\s*\w+\s*,\s*(%s)\s*[,)]' % (calls, EXPR), t):
            s = self.resolve(expr)
            if s:
                self.props.add(s)
        for body in re.findall(r'\w*prop\w*\s*\[[^\]]*\]\s*=\s*\{(.*?)\};', t, re.S):
            self.props.update(self.resolve(s) for s in re.findall(STR, body))
        for body in re.findall(r'struct\s+kho_handler\s+\w+\s*=\s*\{(.*?)\};', t, re.S):
            name = re.search(r'\.name\s*=\s*(%s)\s*,' % EXPR, body)
            compat = re.search(r'\.compatible\s*=\s*(%s)\s*,' % EXPR, body)
            if name and compat:
                self.handlers.add((self.resolve(name.group(1)),
                                   self.resolve(compat.group(1))))
        for lit in re.findall(STR, t):
            m = re.match(r'^"([a-z0-9-]+)@%l?[ud]"$', lit)
            if m:
                self.child_formats.add(m.group(1) + '@N')

    def uapi_structs(self):
        """Handover structs of the uapi header: {name: [members]}."""
        text = self.uapi
        ioctls = {n for n, v in re.findall(r'#define\s+(\w+)\s+(.*)', text) if '_IO' in v}
        ioctl_structs = {s for s, n in re.findall(r'struct (\w+) - (\w+)', text)
                         if n in ioctls}
        structs = {}
        for name, body in re.findall(r'^struct (\w+) \{(.*?)^\};', text, re.M | re.S):
            if name in ioctl_structs:
                continue
            structs[name] = re.findall(
                r'^\s*(?:struct\s+\w+|__[us]\d+|char)\s+(\w+)', body, re.M)
        return structs

    def uapi_constants(self):
        """Handover constants of the uapi header (not /dev/kho's ioctls)."""
        text = strip_comments(self.uapi)
        defines = re.findall(r'^#define\s+(KHO_\w+)\s+(.*)$', text, re.M)
        ioctls = [n for n, v in defines if '_IO' in v]
        lines = text.splitlines()
        out = []
        for name, value in defines:
            if '_IO' in value or any(name.startswith(i + '_') for i in ioctls):
                continue
            uses = [ln for ln in lines if re.search(r'\b%s\b' % name, ln)
                    and not ln.startswith('#define %s' % name) and
                    not re.match(r'#define\s+%s\b' % name, ln)]
            if uses and all('_IO' in ln for ln in uses):
                continue
            out.append(name)
        return out


def tool_table(kd):
    out = subprocess.run([kd, '--list-known'], capture_output=True, text=True,
                         check=True).stdout
    nodes, props = {}, {}
    for line in out.splitlines():
        f = line.split()
        if f[0] == 'node':
            nodes[f[1]] = None if f[2] == '-' else f[2]
        elif f[0] == 'prop':
            props[(f[1], f[2])] = (f[3], f[4] == 'required')
    return nodes, props


def doc_table(rst):
    lines = rst.read_text().splitlines() + ['']
    nodes, props, structs = {}, {}, {}
    node = struct = None
    for i, line in enumerate(lines[:-1]):
        under = lines[i + 1].strip()
        if line.strip() and re.fullmatch(r'([-=~^"])\1{2,}', under) and \
                len(under) >= len(line.strip()):
            node = struct = None
            m = re.fullmatch(r'``(/[^`]*)``', line.strip())
            if m:
                node = m.group(1)
                nodes[node] = None
            m = re.fullmatch(r'``struct (\w+)``', line.strip())
            if m:
                struct = m.group(1)
                structs[struct] = []
            continue
        m = re.match(r':compatible:\s+(?:``([^`]+)``|none)\s*$', line)
        if m and node:
            nodes[node] = m.group(1)
        m = re.match(r'``([^`]+)``\s+(\S+)\s+(yes|no)(\s|$)', line)
        if m and node:
            props[(node, m.group(1))] = (m.group(2), m.group(3) == 'yes')
        m = re.match(r'``(\w+)(?:\[\w*\])?``\s+\d+\s', line)
        if m and struct:
            structs[struct].append(m.group(1))
    return nodes, props, structs, rst.read_text()


def main():
    top, kd = Path(sys.argv[1]), sys.argv[2]
    doc_path = top / 'Documentation/kho/abi.rst'
    bad = []
    k = Kernel(top)
    t_nodes, t_props = tool_table(kd)
    for h in k.missing:
        bad.append('%s is missing: fix HANDLERS in abi-agree.py' % h)
    if not doc_path.exists():
        print('Documentation/kho/abi.rst is missing')
        return 1
    d_nodes, d_props, d_structs, d_text = doc_table(doc_path)

    for path in sorted(set(t_nodes) | set(d_nodes)):
        if path not in d_nodes:
            bad.append('doc lacks node %s (kho-dump decodes it)' % path)
        elif path not in t_nodes:
            bad.append('kho-dump lacks node %s (the doc has it)' % path)
        elif t_nodes[path] != d_nodes[path]:
            bad.append('%s: compatible %s in kho-dump, %s in the doc' %
                       (path, t_nodes[path], d_nodes[path]))
    for key in sorted(set(t_props) | set(d_props)):
        what = '%s property %s' % key
        if key not in d_props:
            bad.append('doc lacks %s (kho-dump decodes it)' % what)
        elif key not in t_props:
            bad.append('kho-dump lacks %s (the doc has it)' % what)
        elif t_props[key] != d_props[key]:
            bad.append('%s: %s in kho-dump, %s in the doc' %
                       (what, t_props[key], d_props[key]))

    t_compats = {c for c in t_nodes.values() if c}
    d_compats = {c for c in d_nodes.values() if c}
    for c in sorted(k.compatibles - t_compats):
        bad.append('compatible "%s" written by the kernel, unknown to kho-dump' % c)
    for c in sorted(k.compatibles - d_compats):
        bad.append('compatible "%s" written by the kernel, not in the doc' % c)
    for c in sorted(t_compats - k.compatibles):
        bad.append('compatible "%s" in kho-dump, written by no kernel code' % c)
    for name, compat in sorted(k.handlers):
        if t_nodes.get('/' + name) != compat:
            bad.append('handler node /%s (%s): not in kho-dump\'s table' % (name, compat))
        if d_nodes.get('/' + name) != compat:
            bad.append('handler node /%s (%s): not in the doc' % (name, compat))
    t_names = {p for _, p in t_props}
    d_names = {p for _, p in d_props}
    for p in sorted(k.props - t_names):
        bad.append('property "%s" written by the kernel, unknown to kho-dump' % p)
    for p in sorted(k.props - d_names):
        bad.append('property "%s" written by the kernel, not in the doc' % p)
    for p in sorted(t_names - k.props):
        bad.append('property "%s" in kho-dump, written by no kernel code' % p)
    for name, value in k.defines.items():
        if name.startswith('KHO_FDT_PROP_'):
            prop = k.resolve(value)
            if ('/', prop) not in t_props or ('/', prop) not in d_props:
                bad.append('root property "%s" (%s) missing from kho-dump or the doc' %
                           (prop, name))
    t_leaves = {p.rsplit('/', 1)[-1] for p in t_nodes}
    d_leaves = {p.rsplit('/', 1)[-1] for p in d_nodes}
    for fmt in sorted(k.child_formats):
        if fmt not in t_leaves or fmt not in d_leaves:
            bad.append('child nodes "%s" missing from kho-dump or the doc' % fmt)

    structs = k.uapi_structs()
    for name, members in sorted(structs.items()):
        if name not in d_structs:
            bad.append('struct %s is not in the doc' % name)
        elif members != d_structs[name]:
            bad.append('struct %s: members %s in the uapi header, %s in the doc' %
                       (name, ' '.join(members), ' '.join(d_structs[name])))
    consts = k.uapi_constants()
    for name in consts:
        if '``%s``' % name not in d_text:
            bad.append('constant %s is not in the doc' % name)

    if len(k.compatibles) < 3 or len(k.props) < 10 or len(k.handlers) < 2 or \
            len(structs) < 3:
        bad.append('the kernel scan found too little (%d compatibles, %d properties, '
                   '%d handlers, %d structs): fix abi-agree.py' %
                   (len(k.compatibles), len(k.props), len(k.handlers), len(structs)))
    for line in bad:
        print(line)
    if bad:
        return 1
    print('# kernel: %s' % ' '.join(sorted(k.compatibles)))
    print('# kernel properties: %s' % ' '.join(sorted(k.props)))
    print('%d nodes, %d properties, %d structs, %d constants' %
          (len(t_nodes), len(t_props), len(structs), len(consts)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
