package dev.kiln.samples.compiled;

import dev.kiln.annotations.Flatten;
import dev.kiln.annotations.From;
import dev.kiln.annotations.Input;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.MatMul;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Output;
import dev.kiln.annotations.ReLU;
import dev.kiln.annotations.Shape;

/**
 * A two-layer graph convolution over 5 nodes with 3 features, the adjacency a second input, and two outputs:
 * per-node scores and a graph-level head. It exercises @Input, @From wiring, a two-input layer, a layer result
 * read twice (gc1) and an input read twice (adj), whose gradients must add up.
 */
@Model(input = @Shape({5, 3}))
abstract class TestGraphNet {
    @Input(@Shape({5, 5})) Layer adj;
    @MatMul @From({"adj", "input"}) Layer agg1;
    @Linear(4) @ReLU Layer gc1;
    @MatMul @From({"adj", "gc1"}) Layer agg2;
    @Linear(2) @Output Layer nodes;
    @Flatten @From("gc1") Layer flat;
    @Linear(3) @Output Layer graph;
}
