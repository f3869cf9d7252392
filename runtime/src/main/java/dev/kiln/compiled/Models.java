package dev.kiln.compiled;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Finds the class the model compiler generated for an {@code @Model} class ({@code Xor} -> {@code KilnXor}) at run
 * time. Where it is missing, the processor did not run, and the error says why that usually happens: javac 23 and
 * later run no annotation processor found on the class path, so {@code kiln-processor} declared as a plain dependency
 * is silently ignored (javac's only message is a later {@code cannot find symbol KilnXor}).
 */
public final class Models {
    private Models() {}

    /** {@code KilnX.create(seed)} for {@code @Model} class {@code model}, found by name. */
    public static CompiledModel create(Class<?> model, long seed) {
        String name = (model.getPackageName().isEmpty() ? "" : model.getPackageName() + ".") + "Kiln" + model.getSimpleName();
        Class<?> generated;
        try {
            generated = Class.forName(name, true, model.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(name + " was not generated: Kiln's annotation processor did not run on "
                    + model.getName() + ". javac 23+ ignores processors on the class path: declare kiln-processor under "
                    + "maven-compiler-plugin's <annotationProcessorPaths> (README: Use Kiln in your project), not only "
                    + "as a dependency", e);
        }
        try {
            Method create = generated.getMethod("create", long.class);
            return (CompiledModel) create.invoke(null, seed);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException(name + " has no public static create(long): not a Kiln-generated model", e);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }
}
