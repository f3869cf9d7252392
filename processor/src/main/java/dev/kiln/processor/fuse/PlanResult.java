package dev.kiln.processor.fuse;

/** A plan, or the first construct the code generator cannot handle yet (the model still validated). */
public sealed interface PlanResult {
    record Planned(Plan plan) implements PlanResult {}

    record Unsupported(String what) implements PlanResult {}
}
