package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kiln.tensor.Index.all;
import static dev.kiln.tensor.Index.list;
import static dev.kiln.tensor.Index.slice;
import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.*;

/** Every printed output of the course's tensor chapter (seed/000_*.txt), reproduced. */
class CourseTensorChapterTest {

    @Test void createFromScalarAndNestedArrays() {
        assertEquals("tensor(10)", tensor(10).toString());
        assertEquals("tensor([[1, 2],\n        [3, 4]])", tensor(new int[][] {{1, 2}, {3, 4}}).toString());
        assertEquals("tensor([[1, 2],\n        [3, 4],\n        [5, 6]])",
                tensor(new long[][] {{1, 2}, {3, 4}, {5, 6}}).toString());
    }

    @Test void uninitialisedConstructorHasTheShapeAndFloatType() {
        Tensor t = new Tensor(2, 3);
        assertEquals("torch.Size([2, 3])", t.shape().toString());
        assertEquals(DType.FLOAT32, t.dtype());
    }

    @Test void ranges() {
        assertEquals("tensor([0, 2, 4, 6, 8])", arange(0, 10, 2).toString());
        assertEquals("tensor([ 0.0000,  3.3333,  6.6667, 10.0000])", linspace(0, 10, 4).toString());
    }

    @Test void seededRandnMatchesTheCourse() {
        manualSeed(3);
        rand(2, 3);
        assertEquals("tensor([[ 0.7625,  1.4948, -0.5175],\n        [-0.4186, -0.9309,  0.4139]])", randn(2, 3).toString());
        assertEquals(3, initialSeed());
        Tensor r = randint(0, 2, 2, 3);
        assertEquals(DType.INT64, r.dtype());
        assertTrue(r.ge(0.0).all().boolItem() && r.lt(2.0).all().boolItem());
    }

    @Test void filledTensors() {
        assertEquals("tensor([[1., 1., 1.],\n        [1., 1., 1.]])", ones(2, 3).toString());
        assertEquals("tensor([[1, 1],\n        [1, 1],\n        [1, 1]])",
                onesLike(tensor(new int[][] {{1, 2}, {3, 4}, {5, 6}})).toString());
        assertEquals("tensor([[0., 0., 0.],\n        [0., 0., 0.]])", zeros(2, 3).toString());
        assertEquals("tensor([[255, 255, 255],\n        [255, 255, 255]])", full(new int[] {2, 3}, 255).toString());
    }

    @Test void dtypeConversions() {
        Tensor t = tensor(new int[] {1, 2, 3});
        assertEquals(DType.FLOAT64, t.toDouble().dtype());
        assertEquals(DType.FLOAT16, t.toHalf().dtype());
        assertEquals(DType.INT32, t.toInt().dtype());
        assertEquals(DType.INT16, t.toShort().dtype());
        assertEquals(DType.INT64, t.toDouble().toLong().dtype());
        assertEquals("tensor([1., 2., 3.], dtype=torch.float64)", t.type(DType.DOUBLE).toString());
        assertEquals("tensor([1., 2., 3.], dtype=torch.float16)", t.toHalf().toString());
    }

    @Test void arrayInteropSharesOrCopiesAsTheCourseShows() {
        // numpy() shares memory
        Tensor t1 = tensor(new int[][] {{1, 2, 3}, {4, 5, 6}});
        long[] n1 = (long[]) t1.array();
        t1.get(0).set(2, 0);
        assertArrayEquals(new long[] {2, 2, 3, 4, 5, 6}, n1);
        // numpy().copy() does not
        Tensor t2 = tensor(new int[][] {{1, 2, 3}, {4, 5, 6}});
        long[] n2 = ((long[]) t2.array()).clone();
        t2.get(0).set(2, 0);
        assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6}, n2);
        // from_numpy shares
        long[] a = {1, 2, 3};
        Tensor shared = fromArray(a);
        a[0] = 100;
        assertEquals("tensor([100,   2,   3])", shared.toString());
        // tensor(ndarray) copies
        long[] b = {1, 2, 3};
        Tensor copied = tensor(b);
        b[0] = 100;
        assertEquals("tensor([1, 2, 3])", copied.toString());
    }

    @Test void scalarArithmeticAndInPlaceVariants() {
        Tensor t1 = tensor(new int[] {1, 2, 3});
        assertEquals("tensor([11, 12, 13])", t1.add(10).toString());
        t1.add_(10);
        assertEquals("tensor([11, 12, 13])", t1.toString());
        Tensor t2 = tensor(new int[] {1, 2, 3});
        assertEquals("tensor([-9, -8, -7])", t2.sub(10).toString());
        t2.sub_(10);
        assertEquals("tensor([-9, -8, -7])", t2.toString());
        Tensor t3 = tensor(new int[] {1, 2, 3});
        assertEquals("tensor([10, 20, 30])", t3.mul(10).toString());
        t3.mul_(10);
        assertEquals("tensor([10, 20, 30])", t3.toString());
        Tensor t4 = tensor(new int[] {1, 2, 3}, DType.FLOAT);
        assertEquals("tensor([0.1000, 0.2000, 0.3000])", t4.div(10).toString());
        t4.div_(10);
        assertEquals("tensor([0.1000, 0.2000, 0.3000])", t4.toString());
    }

    @Test void elementwiseAndMatrixProducts() {
        Tensor t1 = tensor(new int[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
        Tensor t2 = tensor(new int[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
        assertEquals("tensor([[ 1,  4,  9],\n        [16, 25, 36],\n        [49, 64, 81]])", t1.mul(t2).toString());
        assertEquals("tensor([[ 30,  36,  42],\n        [ 66,  81,  96],\n        [102, 126, 150]])", t1.matmul(t2).toString());
    }

    /** The course's indexing tensor: its printed rows and columns pin down every element but one row. */
    private static Tensor indexingTensor() {
        return tensor(new int[][] {{7, 9, 4, 2, 6}, {3, 5, 1, 1, 3}, {1, 2, 1, 4, 9}, {6, 4, 1, 3, 4}, {5, 4, 3, 4, 4}});
    }

    @Test void indexing() {
        Tensor t1 = indexingTensor();
        assertEquals("tensor([3, 5, 1, 1, 3])", t1.get(1).toString());
        assertEquals("tensor([4, 1, 1, 1, 3])", t1.get(all(), 2).toString());
        assertEquals("tensor([7, 9, 4, 2, 6])", t1.get(0, all()).toString());
        assertEquals("tensor([1, 1, 3])", t1.get(list(1), list(2, 3, 4)).toString());
        assertEquals("tensor([7, 3])", t1.get(list(0, 1), list(0, 0)).toString());
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t1.get(list(0, 1), list(0, 2, 3)));
        assertEquals("shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]", e.getMessage());
        assertEquals("tensor([[7, 9],\n        [3, 5],\n        [1, 2]])", t1.get(slice(null, 3), slice(null, 2)).toString());
        assertEquals("tensor([[9, 2],\n        [2, 4],\n        [4, 4]])", t1.get(slice(null, null, 2), slice(1, null, 2)).toString());
        assertEquals("tensor([[7, 9, 4, 2, 6]])", t1.get(t1.get(all(), 2).gt(3.0)).toString());
    }

    @Test void shapes() {
        Tensor t1 = randint(1, 10, 2, 3);
        assertEquals("torch.Size([2, 3])", t1.shape().toString());
        assertEquals("torch.Size([1, 6])", t1.reshape(1, 6).shape().toString());
        assertEquals("torch.Size([1, 2, 3])", t1.unsqueeze(0).shape().toString());
        assertEquals("torch.Size([3, 2])", randint(1, 10, 3, 1, 1, 2, 1).squeeze().shape().toString());
        assertEquals("torch.Size([5, 3, 2])", randint(1, 10, 2, 3, 5).transpose(0, 2).shape().toString());
        assertEquals("torch.Size([2, 5, 3])", randint(1, 10, 2, 3, 5).permute(0, 2, 1).shape().toString());
    }

    @Test void viewNeedsContiguousMemory() {
        Tensor t1 = tensor(new int[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor t2 = t1.transpose(0, 1);
        assertFalse(t2.isContiguous());
        assertEquals("tensor([[1, 4],\n        [2, 5],\n        [3, 6]])", t2.toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t2.view(2, 3));
        assertTrue(e.getMessage().startsWith("view size is not compatible with input tensor's size and stride"));
        Tensor t3 = t2.contiguous();
        assertTrue(t3.isContiguous());
        assertEquals("tensor([[1, 4, 2],\n        [5, 3, 6]])", t3.view(2, 3).toString());
    }

    @Test void catAndStack() {
        Tensor t1 = tensor(new int[][] {{1, 1, 3}, {7, 3, 8}});
        Tensor t2 = tensor(new int[][] {{4, 5, 2}, {4, 6, 1}});
        assertEquals("tensor([[1, 1, 3],\n        [7, 3, 8],\n        [4, 5, 2],\n        [4, 6, 1]])",
                cat(List.of(t1, t2), 0).toString());
        Tensor s1 = tensor(new int[][] {{3, 1, 9}, {6, 6, 7}});
        Tensor s2 = tensor(new int[][] {{8, 7, 6}, {6, 5, 7}});
        assertEquals("tensor([[[3, 1, 9],\n         [6, 6, 7]],\n\n        [[8, 7, 6],\n         [6, 5, 7]]])",
                stack(List.of(s1, s2)).toString());
        Tensor u1 = tensor(new int[][] {{4, 2, 2}, {9, 7, 8}});
        Tensor u2 = tensor(new int[][] {{9, 4, 4}, {9, 6, 1}});
        assertEquals("tensor([[[4, 2, 2],\n         [9, 4, 4]],\n\n        [[9, 7, 8],\n         [9, 6, 1]]])",
                stack(List.of(u1, u2), 1).toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cat(List.of(t1, tensor(new int[][] {{1, 2}, {3, 4}})), 0));
        assertEquals("Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1 in the list.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> stack(List.of(t1, tensor(new int[] {1, 2, 3}))));
        assertEquals("stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3] at entry 1", e.getMessage());
    }
}
