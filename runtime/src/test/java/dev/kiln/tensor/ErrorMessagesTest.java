package dev.kiln.tensor;

import static dev.kiln.tensor.Index.all;
import static dev.kiln.tensor.Index.slice;
import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * One test per error path of the tensor library, each asserting the exact message. Unless a
 * comment says otherwise, the expected text is what PyTorch 1.13 raises for the same call.
 */
class ErrorMessagesTest {

    private static void fails(Class<? extends Throwable> type, String message, Executable call) {
        Throwable e = assertThrows(type, call);
        assertEquals(message, e.getMessage());
    }

    private static void fails(String message, Executable call) { fails(RuntimeException.class, message, call); }

    private static Tensor f(int... shape) { return ones(shape); }

    // ------------------------------------------------------------------ broadcasting and shapes

    @Test void broadcastShapeMismatch() {
        fails("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", () -> f(2, 3).add(f(4)));
        fails("The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1", () -> f(2, 3, 4).mul(f(5, 1)));
    }

    @Test void inPlaceOutputCannotGrowByBroadcasting() {
        fails("output with shape [3] doesn't match the broadcast shape [2, 3]", () -> f(3).add_(f(2, 3)));
    }

    @Test void copyFromALargerTensor() {
        fails("output with shape [3] doesn't match the broadcast shape [2, 3]", () -> f(3).copy_(f(2, 3)));
        fails("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", () -> f(2, 3).copy_(f(4)));
    }

    @Test void viewOnNonContiguous() {
        fails("view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
                + "contiguous subspaces). Use .reshape(...) instead.", () -> f(2, 3).t().view(6));
    }

    @Test void badReshape() {
        Tensor x = f(6);
        fails("shape '[4, 4]' is invalid for input of size 6", () -> x.reshape(4, 4));
        fails("shape '[4, -1]' is invalid for input of size 6", () -> x.reshape(4, -1));
        fails("only one dimension can be inferred", () -> x.reshape(-1, -1));
        fails("invalid shape dimension -2", () -> x.view(-2, 3));
    }

    @Test void dimOutOfRange() {
        fails(IndexOutOfBoundsException.class, "Dimension out of range (expected to be in range of [-2, 1], but got 2)", () -> f(2, 3).sum(2));
        fails(IndexOutOfBoundsException.class, "Dimension out of range (expected to be in range of [-1, 0], but got 1)", () -> scalarTensor(1.0).sum(1));
        fails(IndexOutOfBoundsException.class, "Dimension out of range (expected to be in range of [-3, 2], but got 3)", () -> f(2, 3).unsqueeze(3));
        fails(IndexOutOfBoundsException.class, "Dimension out of range (expected to be in range of [-2, 1], but got -3)", () -> f(2, 3).transpose(0, -3));
        fails(IndexOutOfBoundsException.class, "Dimension out of range (expected to be in range of [-2, 1], but got 2)", () -> f(2, 3).squeeze(2));
        fails(IndexOutOfBoundsException.class, "Dimension out of range (expected to be in range of [-1, 0], but got 1)", () -> scalarTensor(1.0).transpose(0, 1));
    }

    @Test void permuteErrors() {
        fails("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
                + "ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1", () -> f(2, 3).permute(0));
        fails("permute(): duplicate dims are not allowed.", () -> f(2, 3).permute(0, 0));
    }

    @Test void expandErrors() {
        fails("expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be greater or equal to "
                + "the number of dimensions in the tensor (2)", () -> f(2, 3).expand(3));
        fails("expand(torch.LongTensor{[1, 2]}, size=[3]): the number of sizes provided (1) must be greater or equal to "
                + "the number of dimensions in the tensor (2)", () -> tensor(new long[][] {{1, 2}}).expand(3));
        fails("The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 2.  "
                + "Target sizes: [4, 3, 4].  Tensor sizes: [2, 3]", () -> f(2, 3).expand(4, 3, 4));
        fails("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0", () -> f(3).expand(-1, 3));
    }

    @Test void flattenErrors() {
        fails("flatten() has invalid args: start_dim cannot come after end_dim", () -> f(2, 3, 4).flatten(2, 1));
    }

    @Test void transposeOfMoreThanTwoDims() {
        fails("t() expects a tensor with <= 2 dimensions, but self is 3D", () -> f(2, 2, 2).t());
    }

    @Test void narrowOutOfRange() {
        fails("start (2) + length (2) exceeds dimension size (3).", () -> f(2, 3).narrow(1, 2, 2));
        fails("start (0) + length (-1) exceeds dimension size (3).", () -> f(2, 3).narrow(1, 0, -1));
        fails("Dimension out of range (expected to be in range of [-3, 2], but got 4)", () -> f(2, 3).narrow(1, 4, 0));
    }

    // ------------------------------------------------------------------ indexing

    @Test void selectOutOfRange() {
        fails(IndexOutOfBoundsException.class, "select(): index 3 out of range for tensor of size [2, 3] at dimension 1", () -> f(2, 3).select(1, 3));
        fails(IndexOutOfBoundsException.class, "select(): index -3 out of range for tensor of size [2, 3] at dimension 0", () -> f(2, 3).select(0, -3));
        fails(IndexOutOfBoundsException.class, "select() cannot be applied to a 0-dim tensor.", () -> scalarTensor(1.0).select(0, 0));
    }

    @Test void integerIndexOutOfBounds() {
        fails(IndexOutOfBoundsException.class, "index 2 is out of bounds for dimension 0 with size 2", () -> f(2, 3).get(2));
        fails(IndexOutOfBoundsException.class, "index -4 is out of bounds for dimension 1 with size 3", () -> f(2, 3).get(all(), -4));
    }

    @Test void indexListOutOfBounds() {
        fails(IndexOutOfBoundsException.class, "index 5 is out of bounds for dimension 0 with size 2", () -> f(2, 3).get(Index.list(0, 5)));
        // PyTorch says "dimension 0" here (the position after moving advanced dims to the front);
        // Kiln names the dimension that was indexed.
        fails(IndexOutOfBoundsException.class, "index -5 is out of bounds for dimension 1 with size 3", () -> f(2, 3).get(all(), Index.list(0, -5)));
    }

    @Test void indexingA0DimTensor() {
        fails(IndexOutOfBoundsException.class, "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                + "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number", () -> scalarTensor(1.0).get(0));
        fails(IndexOutOfBoundsException.class, "slice() cannot be applied to a 0-dim tensor.", () -> scalarTensor(1.0).get(slice(0, 1)));
    }

    @Test void tooManyIndices() {
        fails(IndexOutOfBoundsException.class, "too many indices for tensor of dimension 2", () -> f(2, 3).get(0, 0, 0));
        fails(IndexOutOfBoundsException.class, "too many indices for tensor of dimension 1", () -> f(3).get(tensor(new boolean[][] {{true, false, true}})));
    }

    @Test void mismatchedIndexListLengths() {
        fails(IndexOutOfBoundsException.class, "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]",
                () -> f(3, 4).get(Index.list(0, 1), Index.list(0, 1, 2)));
    }

    @Test void maskShapeMismatch() {
        fails(IndexOutOfBoundsException.class, "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 4] at index 0",
                () -> f(3, 4).get(tensor(new boolean[] {true, false})));
        fails(IndexOutOfBoundsException.class, "The shape of the mask [1, 4] at index 0 does not match the shape of the indexed tensor [3, 4] at index 0",
                () -> f(3, 4).get(tensor(new boolean[][] {{true, false, true, true}})));
    }

    @Test void floatingIndexTensor() {
        // PyTorch 1.13 says "long, byte or bool"; Kiln also accepts int32 index tensors (as PyTorch 2 does).
        fails(IndexOutOfBoundsException.class, "tensors used as indices must be long, int, byte or bool tensors",
                () -> f(3).get(tensor(new double[] {0, 1})));
    }

    @Test void sliceSteps() {
        fails(IllegalArgumentException.class, "slice step cannot be zero", () -> slice(null, null, 0));
        fails(IllegalArgumentException.class, "step must be greater than zero", () -> slice(null, null, -1));
    }

    @Test void twoEllipses() {
        // PyTorch 1.13 accepts t[..., ...]; Kiln rejects it with NumPy's message.
        fails("an index can only have a single ellipsis ('...')", () -> f(3).get(Index.ellipsis(), Index.ellipsis()));
    }

    @Test void indexAssignmentShapeMismatch() {
        fails("The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0.  "
                + "Target sizes: [3].  Tensor sizes: [2]", () -> f(2, 3).set(f(2), 0));
        fails("expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be greater or equal to "
                + "the number of dimensions in the tensor (2)", () -> f(2, 3).set(f(2, 3), 0));
        fails("shape mismatch: value tensor of shape [3, 3] cannot be broadcast to indexing result of shape [2, 3]",
                () -> f(3, 3).set(f(3, 3), Index.list(0, 1)));
    }

    @Test void indexAssignmentIntoALeafThatRequiresGrad() {
        fails(IllegalStateException.class, "a leaf Variable that requires grad is being used in an in-place operation.",
                () -> f(3).requiresGrad_().set(0.0, 0));
    }

    // ------------------------------------------------------------------ joining, where

    @Test void catErrors() {
        fails("Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list.",
                () -> cat(List.of(f(2, 3), f(2, 4)), 0));
        fails("Tensors must have same number of dimensions: got 2 and 1", () -> cat(List.of(f(2, 3), f(3)), 0));
        fails("torch.cat(): expected a non-empty list of Tensors", () -> cat(List.of(), 0));
        fails("zero-dimensional tensor (at position 0) cannot be concatenated", () -> cat(List.of(scalarTensor(1.0), scalarTensor(2.0))));
    }

    @Test void stackErrors() {
        fails("stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 2] at entry 1", () -> stack(List.of(f(2, 3), f(3, 2))));
        fails("stack expects a non-empty TensorList", () -> stack(List.of()));
    }

    @Test void whereErrors() {
        fails("where expected condition to be a boolean tensor, but got a tensor with dtype Long",
                () -> where(tensor(new long[] {1, 0}), f(2), f(2)));
        fails("The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0",
                () -> where(tensor(new boolean[] {true, false, true}), f(2), f(2)));
    }

    // ------------------------------------------------------------------ matrix products

    @Test void matmulShapeErrors() {
        fails("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", () -> f(2, 3).matmul(f(2, 3)));
        fails("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", () -> f(2, 3).mm(f(2, 3)));
        fails("mat1 and mat2 shapes cannot be multiplied (1x3 and 2x2)", () -> f(3).matmul(f(2, 2)));
        fails("mat1 and mat2 shapes cannot be multiplied (4x3 and 2x2)", () -> f(2, 2, 3).matmul(f(2, 2)));
        fails("size mismatch, got 2, 2x3,2", () -> f(2, 3).matmul(f(2)));
        fails("size mismatch, got 4, 4x3,2", () -> f(2, 2, 3).matmul(f(2)));
        fails("size mismatch, got 4, 4x3,2", () -> f(2).matmul(f(2, 3, 2)));
        fails("Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 2].", () -> f(2, 2, 3).matmul(f(2, 2, 3)));
        fails("Expected size for first two dimensions of batch2 tensor to be: [6, 3] but got: [6, 2].", () -> f(2, 1, 2, 3).matmul(f(3, 2, 2)));
        fails("The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0", () -> f(2, 2, 3).matmul(f(3, 3, 2)));
        fails("both arguments to matmul need to be at least 1D, but they are 0D and 1D", () -> scalarTensor(1.0).matmul(f(3)));
        fails("self must be a matrix", () -> f(3).mm(f(3, 2)));
        fails("mat2 must be a matrix", () -> f(2, 3).mm(f(3)));
    }

    @Test void dotErrors() {
        fails("1D tensors expected, but got 2D and 1D tensors", () -> f(2, 2).dot(f(2)));
        fails("inconsistent tensor size, expected tensor [3] and src [2] to have the same number of elements, but got 3 "
                + "and 2 elements respectively", () -> f(3).dot(f(2)));
        fails("inconsistent tensor size, expected tensor [3] and src [2] to have the same number of elements, but got 3 "
                + "and 2 elements respectively", () -> f(3).matmul(f(2)));
    }

    @Test void matmulDtypeMismatch() {
        fails("expected scalar type Float but found Double", () -> f(2, 3).matmul(f(3, 2).toDouble()));
        fails("expected scalar type Float but found Long", () -> f(2, 3).mm(f(3, 2).toLong()));
        fails("expected scalar type Float but found Double", () -> f(2, 2, 3).matmul(f(2, 3, 2).toDouble()));
        fails("dot : expected both vectors to have same dtype, but found Float and Double", () -> f(3).dot(f(3).toDouble()));
    }

    // ------------------------------------------------------------------ reductions

    @Test void meanOfIntegers() {
        fails("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long",
                () -> tensor(new long[] {1, 2}).mean());
        fails("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Int",
                () -> tensor(new long[] {1, 2}).toInt().mean(0));
    }

    @Test void varAndStdOfIntegers() {
        fails("std and var only support floating point and complex dtypes", () -> tensor(new long[] {1, 2}).var());
        fails("std and var only support floating point and complex dtypes", () -> tensor(new long[] {1, 2}).std());
    }

    @Test void repeatedReductionDims() {
        fails("dim 0 appears multiple times in the list of dims", () -> f(2, 3).sum(new int[] {0, 0}, false));
    }

    @Test void extremesOfEmptyTensors() {
        fails(IndexOutOfBoundsException.class, "max(): Expected reduction dim 0 to have non-zero size.", () -> zeros(0, 3).max(0));
        fails("max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.", () -> zeros(0).max());
        fails("min(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.", () -> zeros(0).min());
        fails(IndexOutOfBoundsException.class, "argmax(): Expected reduction dim to be specified for input.numel() == 0.", () -> zeros(0).argmax());
        fails(IndexOutOfBoundsException.class, "argmin(): Expected reduction dim to be specified for input.numel() == 0.", () -> zeros(0).argmin());
        fails(IndexOutOfBoundsException.class, "argmax(): Expected reduction dim 0 to have non-zero size.", () -> zeros(0, 3).argmax(0));
    }

    // ------------------------------------------------------------------ values and dtypes

    @Test void itemOfAMultiElementTensor() {
        // PyTorch's C++ Tensor::item() wording (Python's float() says "only one element tensors can be
        // converted to Python scalars", which names Python).
        fails("a Tensor with 3 elements cannot be converted to Scalar", () -> f(3).item());
        fails("a Tensor with 3 elements cannot be converted to Scalar", () -> f(3).longItem());
    }

    @Test void inPlaceResultCannotBeCast() {
        fails("result type Float can't be cast to the desired output type Long", () -> tensor(new long[] {1, 2}).add_(1.5));
        fails("result type Float can't be cast to the desired output type Long", () -> tensor(new long[] {1, 2}).div_(2L));
        fails("result type Float can't be cast to the desired output type Int", () -> tensor(new long[] {1, 2}).toInt().add_(tensor(new double[] {1.5, 2})));
        fails("result type Long can't be cast to the desired output type Bool", () -> tensor(new boolean[] {true}).add_(1L));
    }

    @Test void negationOfBool() {
        fails("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the "
                + "`~` or `logical_not()` operator instead.", () -> tensor(new boolean[] {true}).neg());
    }

    @Test void clampWithoutBounds() {
        fails("torch.clamp: At least one of 'min' or 'max' must not be None", () -> f(2).clamp((Double) null, (Double) null));
    }

    @Test void integerArithmeticErrors() {
        fails("Integers to negative integer powers are not allowed.", () -> tensor(new long[] {1, 2}).pow(-1L));
        fails("ZeroDivisionError", () -> tensor(new long[] {1, 2}).floorDivide(0L));
        fails("ZeroDivisionError", () -> tensor(new long[] {1, 2}).remainder(0L));
        fails("ZeroDivisionError", () -> tensor(new long[] {1, 2}).floorDivide(tensor(new long[] {1, 0})));
    }

    @Test void raggedNestedArrays() {
        fails("expected sequence of length 2 at dim 1 (got 1)", () -> tensor(new long[][] {{1, 2}, {3}}));
    }

    @Test void unknownDtypeName() {
        // Kiln-only (DType.of parses PyTorch's spellings).
        fails("unknown dtype 'float8'", () -> DType.of("float8"));
    }

    // ------------------------------------------------------------------ creation

    @Test void rangeErrors() {
        fails("step must be nonzero", () -> arange(0, 5, 0));
        fails("upper bound and larger bound inconsistent with step sign", () -> arange(5, 0, 1));
        fails("upper bound and larger bound inconsistent with step sign", () -> arange(5.0, 0.0, 0.5));
        fails("number of steps must be non-negative", () -> linspace(0, 1, -1));
    }

    @Test void randomArgumentErrors() {
        // Only the argument checks run: no numbers are drawn.
        fails("random_ expects 'from' to be less than 'to', but got from=3 >= to=3", () -> randint(3, 3, 2));
        fails("normal expects std >= 0.0, but found std -1", () -> normal(zeros(2), 0, -1));
    }

    // ------------------------------------------------------------------ autograd

    @Test void requiresGradOnIntegers() {
        fails("only Tensors of floating point dtype can require gradients", () -> tensor(new long[] {1, 2}).requiresGrad_());
    }

    @Test void requiresGradOffOnANonLeaf() {
        fails("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a "
                + "subgraph that doesn't require differentiation use var_no_grad = var.detach().",
                () -> f(2).requiresGrad_().mul(2L).requiresGrad_(false));
    }

    @Test void inPlaceOnALeafThatRequiresGrad() {
        fails("a leaf Variable that requires grad is being used in an in-place operation.", () -> f(2).requiresGrad_().add_(1L));
    }

    @Test void backwardWithoutGrad() {
        fails("element 0 of tensors does not require grad and does not have a grad_fn", () -> f(2).sum().backward());
    }

    @Test void backwardOnANonScalar() {
        fails("grad can be implicitly created only for scalar outputs", () -> f(2).requiresGrad_().mul(2L).backward());
    }

    @Test void backwardWithAGradientOfTheWrongShape() {
        fails("Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape of torch.Size([2]).",
                () -> f(2).requiresGrad_().mul(2L).backward(f(3)));
    }

    @Test void backwardTwice() {
        Tensor y = f(2).requiresGrad_().exp().sum();
        y.backward();
        fails("Trying to backward through the graph a second time (or directly access saved tensors after they have "
                + "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
                + "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
                + "or if you need to access saved tensors after calling backward.", y::backward);
    }

    @Test void retainGradWithoutRequiresGrad() {
        fails("can't retain_grad on Tensor that has requires_grad=False", () -> f(2).retainGrad());
    }

    @Test void arrayOfATensorThatRequiresGrad() {
        fails("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.", () -> f(2).requiresGrad_().array());
    }

    @Test void assignedGradOfTheWrongSize() {
        fails("assigned grad has data of a different size", () -> f(2).requiresGrad_().setGrad(f(3)));
    }
}
