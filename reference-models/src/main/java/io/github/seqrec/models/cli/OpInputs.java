package io.github.seqrec.models.cli;

import io.github.seqrec.models.tensors.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * The named tensors and parameters one {@link KernelOp} run receives, with typed accessors whose
 * failures are {@link BadInputException}s naming the tensor, the expected and the actual dtype or
 * shape. A parameter is looked up first among the parameters (CLI {@code --param}, safetensors
 * {@code __metadata__}), then as a one-element tensor of the same name.
 */
public final class OpInputs {
  private final Map<String, Tensor> tensors;
  private final Map<String, String> params;

  public OpInputs(Map<String, Tensor> tensors, Map<String, String> params) {
    this.tensors = Map.copyOf(tensors);
    this.params = Map.copyOf(params);
  }

  /** The names of the input tensors. */
  public java.util.Set<String> names() {
    return tensors.keySet();
  }

  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  public Tensor.F32 f32(String name) {
    return as(name, Tensor.F32.class, "F32");
  }

  public Tensor.I64 i64(String name) {
    return as(name, Tensor.I64.class, "I64");
  }

  public Tensor.Bool bool(String name) {
    return as(name, Tensor.Bool.class, "BOOL");
  }

  /** Integer ids or lengths: accepts I64 or I32 and checks that each value fits an int. */
  public int[] ints(String name) {
    Tensor t = require(name);
    if (t instanceof Tensor.I32 i) {
      return i.data();
    }
    if (t instanceof Tensor.I64 l) {
      int[] out = new int[l.data().length];
      for (int i = 0; i < out.length; i++) {
        long v = l.data()[i];
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
          throw new BadInputException("tensor '" + name + "' value " + v + " at index " + i + " does not fit an int");
        }
        out[i] = (int) v;
      }
      return out;
    }
    throw new BadInputException("tensor '" + name + "' must be I64 or I32, got " + t.describe());
  }

  /** The tensor's shape, which must have {@code rank} dimensions. */
  public int[] shape(String name, int rank) {
    int[] shape = require(name).shape();
    if (shape.length != rank) {
      throw new BadInputException("tensor '" + name + "' must have rank " + rank + ", got shape " + Arrays.toString(shape));
    }
    return shape;
  }

  /** Fails unless the tensor's shape equals {@code expected}. */
  public void expectShape(String name, int... expected) {
    int[] actual = require(name).shape();
    if (!Arrays.equals(actual, expected)) {
      throw new BadInputException(
          "tensor '" + name + "' must have shape " + Arrays.toString(expected) + ", got " + Arrays.toString(actual));
    }
  }

  public int intParam(String name, Integer defaultValue) {
    String raw = rawParam(name);
    if (raw == null) {
      if (defaultValue == null) {
        throw new BadInputException("missing parameter '" + name + "' (give --param " + name + "=... or a tensor '" + name + "')");
      }
      return defaultValue;
    }
    try {
      return Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new BadInputException("parameter '" + name + "' must be an integer, got '" + raw + "'");
    }
  }

  public float floatParam(String name, Float defaultValue) {
    String raw = rawParam(name);
    if (raw == null) {
      if (defaultValue == null) {
        throw new BadInputException("missing parameter '" + name + "' (give --param " + name + "=... or a tensor '" + name + "')");
      }
      return defaultValue;
    }
    try {
      return Float.parseFloat(raw.trim());
    } catch (NumberFormatException e) {
      throw new BadInputException("parameter '" + name + "' must be a number, got '" + raw + "'");
    }
  }

  public boolean boolParam(String name, Boolean defaultValue) {
    String raw = rawParam(name);
    if (raw == null) {
      if (defaultValue == null) {
        throw new BadInputException("missing parameter '" + name + "'");
      }
      return defaultValue;
    }
    return switch (raw.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new BadInputException("parameter '" + name + "' must be true or false, got '" + raw + "'");
    };
  }

  public String stringParam(String name, String defaultValue) {
    String raw = rawParam(name);
    if (raw == null && defaultValue == null) {
      throw new BadInputException("missing parameter '" + name + "'");
    }
    return raw == null ? defaultValue : raw;
  }

  private String rawParam(String name) {
    String raw = params.get(name);
    if (raw != null) {
      return raw;
    }
    Tensor t = tensors.get(name);
    if (t == null) {
      return null;
    }
    if (t.size() != 1) {
      throw new BadInputException("parameter tensor '" + name + "' must hold one value, got " + t.describe());
    }
    return switch (t) {
      case Tensor.F32 f -> Float.toString(f.data()[0]);
      case Tensor.I64 l -> Long.toString(l.data()[0]);
      case Tensor.I32 i -> Integer.toString(i.data()[0]);
      case Tensor.Bool b -> Boolean.toString(b.data()[0]);
    };
  }

  private Tensor require(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new BadInputException("missing input tensor '" + name + "' (have " + tensors.keySet() + ")");
    }
    return t;
  }

  private <T extends Tensor> T as(String name, Class<T> type, String dtype) {
    Tensor t = require(name);
    if (!type.isInstance(t)) {
      throw new BadInputException("tensor '" + name + "' must be " + dtype + ", got " + t.describe());
    }
    return type.cast(t);
  }
}
