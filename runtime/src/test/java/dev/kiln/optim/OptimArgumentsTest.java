package dev.kiln.optim;

import dev.kiln.tensor.PyRepr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every invalid argument is refused with PyTorch 1.13's message (floats printed as Python's repr). */
class OptimArgumentsTest {
    private static final List<Tensor> P = List.of(Torch.zeros(2).requiresGrad_());

    private static void fails(String message, Executable e) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
    }

    @Test
    void sgd() {
        fails("Invalid learning rate: -0.1", () -> new SGD(P, -0.1));
        fails("Invalid momentum value: -1.0", () -> new SGD(P, SGD.options(0.1).momentum(-1)));
        fails("Invalid weight_decay value: -0.01", () -> new SGD(P, SGD.options(0.1).weightDecay(-0.01)));
        fails("Nesterov momentum requires a momentum and zero dampening", () -> new SGD(P, SGD.options(0.1).nesterov(true)));
        fails("Nesterov momentum requires a momentum and zero dampening",
                () -> new SGD(P, SGD.options(0.1).momentum(0.9).dampening(0.1).nesterov(true)));
    }

    @Test
    void adamAndAdamW() {
        fails("Invalid learning rate: -0.001", () -> new Adam(P, Adam.options().lr(-1e-3)));
        fails("Invalid epsilon value: -1.0", () -> new Adam(P, Adam.options().eps(-1)));
        fails("Invalid beta parameter at index 0: 1.0", () -> new Adam(P, Adam.options().betas(1.0, 0.999)));
        fails("Invalid beta parameter at index 1: -0.5", () -> new AdamW(P, AdamW.options().betas(0.9, -0.5)));
        fails("Invalid weight_decay value: -1e-05", () -> new AdamW(P, AdamW.options().weightDecay(-1e-5)));
    }

    @Test
    void adagradAndRmsprop() {
        fails("Invalid lr_decay value: -1.0", () -> new Adagrad(P, Adagrad.options().lrDecay(-1)));
        fails("Invalid initial_accumulator_value value: -0.1",
                () -> new Adagrad(P, Adagrad.options().initialAccumulatorValue(-0.1)));
        fails("Invalid epsilon value: -1e-10", () -> new Adagrad(P, Adagrad.options().eps(-1e-10)));
        fails("Invalid alpha value: -0.99", () -> new RMSprop(P, RMSprop.options().alpha(-0.99)));
        fails("Invalid momentum value: -0.9", () -> new RMSprop(P, RMSprop.options().momentum(-0.9)));
        fails("Invalid learning rate: nan", () -> new RMSprop(P, RMSprop.options().lr(Double.NaN)));
    }

    @Test
    void parameterLists() {
        fails("optimizer got an empty parameter list", () -> new Adam(List.of()));
        Tensor nonLeaf = Torch.zeros(2).requiresGrad_().mul(2.0);
        fails("can't optimize a non-leaf Tensor", () -> new SGD(List.of(nonLeaf), 0.1));
        SGD.Options o = SGD.options(0.1);
        fails("some parameters appear in more than one parameter group",
                () -> new SGD(o, List.of(new ParamGroup<>(P, o), new ParamGroup<>(P, o))));
    }

    @Test
    void pythonFloatRepr() {
        assertEquals("1e-08", PyRepr.of(1e-8));
        assertEquals("0.0001", PyRepr.of(1e-4));
        assertEquals("1e+16", PyRepr.of(1e16));
        assertEquals("123.5", PyRepr.of(123.5));
        assertEquals("-2.0", PyRepr.of(-2));
        assertEquals("1.5e-05", PyRepr.of(1.5e-5));
    }
}
