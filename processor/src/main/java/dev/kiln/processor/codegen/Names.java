package dev.kiln.processor.codegen;

import com.squareup.javapoet.ClassName;
import dev.kiln.processor.fuse.Buffer;
import dev.kiln.processor.fuse.Plan;

/** Java names used by the writers: runtime classes, and the arrays behind each buffer. */
final class Names {
    static final String COMPILED = "dev.kiln.compiled";
    /** The CPU backend: the kernels generated Java calls. */
    static final String CPU = "dev.kiln.backend.cpu";
    static final ClassName DENSE = ClassName.get(CPU, "Dense");
    static final ClassName DENSE_LAYER = ClassName.get(COMPILED, "DenseLayer");
    static final ClassName COLUMN_BLOCKS = ClassName.get(CPU, "ColumnBlocks");
    static final ClassName ROW_OPS = ClassName.get(CPU, "RowOps");
    static final ClassName GELU = ClassName.get(CPU, "GeluMath");
    static final ClassName BATCH_NORM = ClassName.get(CPU, "BatchNormKernel");
    static final ClassName LAYER_NORM = ClassName.get(CPU, "LayerNormKernel");
    static final ClassName EMBEDDING = ClassName.get(CPU, "EmbeddingKernel");
    static final ClassName CONV2D = ClassName.get(CPU, "Conv2dKernel");
    static final ClassName POOL2D = ClassName.get(CPU, "Pool2dKernel");
    static final ClassName PACKING = ClassName.get(CPU, "Packing");
    static final ClassName DROPOUT_MASK = ClassName.get(COMPILED, "DropoutMask");
    static final ClassName COMPILED_MODEL = ClassName.get(COMPILED, "CompiledModel");
    static final ClassName FLAT_VIEWS = ClassName.get(COMPILED, "FlatViews");
    static final ClassName STATE_DICTS = ClassName.get(COMPILED, "StateDicts");
    static final ClassName TRAINER = ClassName.get(COMPILED, "Trainer");
    static final ClassName DEVICE = ClassName.get("dev.kiln.backend", "Device");
    static final ClassName LOSS = ClassName.get(COMPILED, "Loss");
    static final ClassName OPTIMIZER = ClassName.get(COMPILED, "Optimizer");
    static final ClassName TENSOR = ClassName.get("dev.kiln.tensor", "Tensor");
    static final ClassName TORCH = ClassName.get("dev.kiln.tensor", "Torch");
    static final ClassName VECTOR_API = ClassName.get("dev.kiln.runtime", "VectorApi");

    private final Plan plan;

    Names(Plan plan) { this.plan = plan; }

    /** The array holding a buffer's values: the caller's input, or a planned field. */
    String data(Buffer b) { return b.isInput() ? "input" : b.name(); }

    /** The array receiving a buffer's gradient: the caller's gradIn and gradOut at the ends. */
    String grad(Buffer b) {
        if (b.isInput()) return "gradIn";
        if (b.equals(plan.output())) return "gradOut";
        return b.name() + "Grad";
    }

    /** Whether the buffer has a planned gradient field. */
    boolean hasGradField(Buffer b) {
        return (b.role() == Buffer.Role.INTERNAL || b.role() == Buffer.Role.PACKED) && !b.equals(plan.output());
    }
}
