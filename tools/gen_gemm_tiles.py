#!/usr/bin/python3
"""Writes runtime/src/main/java/dev/kiln/backend/cpu/SgemmTiles.java and DgemmTiles.java: the GEMM
micro-kernels, one class per (vector species, register tile), each with its species a compile-time
constant so that the Vector API compiles every operation to single instructions; and DgemmKernel.java,
the float64 driver, from SgemmKernel.java (edit the float32 one and rerun this).

Run from the repository root:  python3 tools/gen_gemm_tiles.py
"""

# (MR, vectors across): the 16-register tile 3 x 3 with its 2- and 1-row edge tiles, and the
# 32-register tile 12 x 2 with its 8- and 4-row edge tiles.
TILES = [(3, 3), (2, 3), (1, 3), (12, 2), (8, 2), (4, 2)]
BITS = [128, 256, 512]


def acc_decl(vec, mr, nv):
    return ["            " + vec + " " + ", ".join(f"c{i}{v} = {vec}.zero(S)" for v in range(nv)) + ";"
            for i in range(mr)]


def body(vec, lanes, mr, nv, a_index):
    L = []
    for v in range(nv):
        L.append(f"                {vec} b{v} = {vec}.fromArray(S, b, bi{'' if v == 0 else ' + ' + str(v * lanes)});")
    for i in range(mr):
        L.append(f"                {vec} a{i} = {vec}.broadcast(S, a[{a_index(i)}]);")
        L.append("                " + " ".join(f"c{i}{v} = a{i}.fma(b{v}, c{i}{v});" for v in range(nv)))
    return L


def row(i):
    return "co" if i == 0 else ("co + ldc" if i == 1 else f"co + {i} * ldc")


def col(r, v, lanes):
    return r if v == 0 else f"{r} + {v * lanes}"


def epilogue(vec, lanes, mr, nv):
    L = ["            // Stores inline: a helper C2 declined to inline would box every accumulator.",
         "            if (add) {"]
    for i in range(mr):
        for v in range(nv):
            L.append(f"                c{i}{v} = c{i}{v}.add({vec}.fromArray(S, c, {col(row(i), v, lanes)}));")
    L.append("            }")
    for i in range(mr):
        L.append("            " + " ".join(f"c{i}{v}.intoArray(c, {col(row(i), v, lanes)});" for v in range(nv)))
    return L


def kernels(elem, vec, bits, lanes, mr, nv, base):
    nr = lanes * nv
    cls = f"{base[0]}{bits}x{mr}x{nv}"
    arr = "float" if elem == "Float" else "double"
    L = [f"    /** {mr} x {nr} tile: {mr} rows of {nv} {bits}-bit vectors, {mr * nv} accumulators. */",
         f"    static final class {cls} extends {base} {{",
         f"        private static final VectorSpecies<{elem}> S = {vec}.SPECIES_{bits};",
         "",
         f"        {cls}(CpuShape shape) {{",
         "            super(shape);",
         "        }",
         "",
         "        @Override",
         f"        void kernel(int kc, {arr}[] a, int ao, int aps, {arr}[] b, int bo, int bps,",
         f"                    {arr}[] c, int co, int ldc, boolean add) {{"]
    L += acc_decl(vec, mr, nv)
    L.append("            // Indices affine in p let C2 hoist the bounds checks out of the loop.")
    L.append("            for (int p = 0; p < kc; p++) {")
    L.append("                int ai = ao + p * aps, bi = bo + p * bps;")
    L += body(vec, lanes, mr, nv, lambda i: "ai" if i == 0 else f"ai + {i}")
    L.append("            }")
    L += epilogue(vec, lanes, mr, nv)
    L.append("        }")
    L.append("")
    L.append("        @Override")
    L.append(f"        void kernelRows(int kc, {arr}[] a, int ao, int lda, {arr}[] b, int bo, int bps,")
    L.append(f"                        {arr}[] c, int co, int ldc, boolean add) {{")
    L += acc_decl(vec, mr, nv)
    L.append("            for (int p = 0; p < kc; p++) {")
    L.append("                int ai = ao + p, bi = bo + p * bps;")
    L += body(vec, lanes, mr, nv, lambda i: "ai" if i == 0 else ("ai + lda" if i == 1 else f"ai + {i} * lda"))
    L.append("            }")
    L += epilogue(vec, lanes, mr, nv)
    L.append("        }")
    L.append("    }")
    return cls, "\n".join(L)


def write(elem, vec, size, base):
    classes, bodies = [], []
    for bits in BITS:
        lanes = bits // (8 * size)
        for mr, nv in TILES:
            cls, text = kernels(elem, vec, bits, lanes, mr, nv, base)
            classes.append((cls, bits, mr, nv))
            bodies.append(text)
    name = base.replace("Kernel", "Tiles")
    out = ["package dev.kiln.backend.cpu;",
           "",
           f"import jdk.incubator.vector.{vec};",
                      "import jdk.incubator.vector.VectorSpecies;",
           "",
           "/**",
           f" * The {elem.lower()} GEMM micro-kernels, one class per vector species and register tile, written out by",
           " * {@code tools/gen_gemm_tiles.py}: edit that and rerun it rather than this file. Each class fixes its",
           " * species as a constant, which the Vector API needs to compile its operations to single instructions.",
           " *",
           " * <p>Each kernel computes an MR x NR tile of C from MR x NV vector accumulators: each k step loads NV",
           " * vectors of B (row p at {@code b[bo + p*bps]}), broadcasts MR values of A and issues MR x NV FMAs.",
           " * {@code kernel} reads A(i, p) at {@code a[ao + p*aps + i]} (a packed sliver, aps = MR, or A stored",
           " * transposed, aps = lda); {@code kernelRows} at {@code a[ao + i*lda + p]} (A in place, untransposed).",
           " * A kernel always computes and stores a full MR x NR tile; the drivers route edge tiles through scratch.",
           " * (Masked edge stores inside the kernels made them too large for C2 to inline every vector operation.)",
           " *",
           " * <p>Tiles: 3 x 3 vectors for 16 vector registers (9 accumulators, 3 B vectors and 3 broadcasts: C2",
           " * issues an iteration's loads together, so all are live at once) and 12 x 2 for 32 (24 + 2 + broadcasts).",
           " * Checked in the disassembly on AVX-512 and with -XX:UseAVX=2: neither spills in {@code kernel}'s loop.",
           " * The shorter tiles (2 and 1 rows of 3 vectors, 8 and 4 rows of 2) take the last rows of A when fewer",
           " * than a full tile's are left, so an edge costs about its own rows' work rather than a full tile's.",
           " */",
           f"final class {name} {{",
           f"    private {name}() {{}}",
           "",
           "    /** The kernels for {@code shape}'s species and tile, or null when none are written for it. */",
           f"    static {base} forShape(CpuShape shape) {{",
           "        return switch (shape.vectorBits() + \":\" + shape.mr() + \"x\" + shape.vectors()) {"]
    for cls, bits, mr, nv in classes:
        out.append(f"            case \"{bits}:{mr}x{nv}\" -> new {cls}(shape);")
    out += ["            default -> null;", "        };", "    }"]
    for t in bodies:
        out.append("")
        out.append(t)
    out.append("}")
    path = f"runtime/src/main/java/dev/kiln/backend/cpu/{name}.java"
    open(path, "w").write("\n".join(out) + "\n")
    print("wrote", path)


def double_driver():
    src = "runtime/src/main/java/dev/kiln/backend/cpu/SgemmKernel.java"
    text = open(src).read()
    for old, new in [("float[]", "double[]"), ("new float[", "new double["), ("0f)", "0d)"), ("= 0f;", "= 0d;"),
                     ("SgemmKernel", "DgemmKernel"), ("SgemmTiles", "DgemmTiles"), ("float32", "float64"),
                     ("this.nr = shape.nr();", "this.nr = shape.doubleNr();"), ("FloatVector", "DoubleVector"),
                     ("VectorSpecies<Float>", "VectorSpecies<Double>"), ("Copies {@code len} floats", "Copies {@code len} doubles"),
                     ("contiguous floats", "contiguous doubles"), ("Floats of the zero-padded copy", "Values in the zero-padded copy"),
                     ("ELEMENT_BYTES = 4;", "ELEMENT_BYTES = 8;"), ("16 MiB of float64", "32 MiB of float64"),
                     ("The float64 twin is written from this\n * file by {@code tools/gen_gemm_tiles.py}",
                      "This file is written from SgemmKernel.java\n * by {@code tools/gen_gemm_tiles.py}")]:
        text = text.replace(old, new)
    assert "float" not in text.replace("float64", ""), "a float32 leftover in DgemmKernel"
    path = "runtime/src/main/java/dev/kiln/backend/cpu/DgemmKernel.java"
    open(path, "w").write(text)
    print("wrote", path)


write("Float", "FloatVector", 4, "SgemmKernel")
write("Double", "DoubleVector", 8, "DgemmKernel")
double_driver()
