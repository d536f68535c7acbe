package io.github.seqrec.models.torch;

import io.github.seqrec.models.tensors.Tensor;
import io.github.seqrec.models.torch.TorchCheckpoint.Global;
import io.github.seqrec.models.torch.TorchCheckpoint.Opaque;
import io.github.seqrec.models.torch.TorchCheckpoint.Tuple;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The data-only pickle machine behind {@link TorchCheckpoint}: no recursion, bounded stack and
 * memo, every opcode's operands checked against the bytes left. Only the constructors in {@link
 * #reduce} are interpreted; any other global becomes an {@link Opaque} value.
 */
final class Unpickler {
  static final int MAX_STACK = 1 << 20;
  static final int MAX_MEMO = 1 << 20;
  static final int MAX_MARKS = 10_000;
  static final int MAX_LONG_BYTES = 1024;
  static final int MAX_KEY_NODES = 64;

  private static final Object MARK = new Object();

  private final Path path;
  private final byte[] in;
  private final TorchCheckpoint.Archive archive;
  private final ArrayList<Object> stack = new ArrayList<>();
  private final ArrayDeque<Integer> marks = new ArrayDeque<>();
  private final Map<Long, Object> memo = new HashMap<>();
  private final Map<String, Storage> storages = new HashMap<>();
  private final long budget;
  private long materialized;
  private int pos;
  private int opAt;

  private record Storage(String type, StorageType dtype, byte[] data, long numel) {}

  private enum StorageType {
    F32(4), F64(8), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    final int bytes;

    StorageType(int bytes) {
      this.bytes = bytes;
    }

    static StorageType of(String torchName) {
      return switch (torchName) {
        case "FloatStorage" -> F32;
        case "DoubleStorage" -> F64;
        case "HalfStorage" -> F16;
        case "BFloat16Storage" -> BF16;
        case "LongStorage" -> I64;
        case "IntStorage" -> I32;
        case "ShortStorage" -> I16;
        case "CharStorage" -> I8;
        case "ByteStorage" -> U8;
        case "BoolStorage" -> BOOL;
        default -> null;
      };
    }
  }

  Unpickler(Path path, byte[] in, TorchCheckpoint.Archive archive) {
    this.path = path;
    this.in = in;
    this.archive = archive;
    this.budget = 4L * archive.fileSize() + (64L << 20);
  }

  private TorchCheckpointFormatException fail(String problem) {
    return new TorchCheckpointFormatException(path, "data.pkl offset " + opAt + ": " + problem);
  }

  Object run() throws TorchCheckpointFormatException {
    while (true) {
      if (pos >= in.length) {
        opAt = pos;
        throw fail("the pickle ends without STOP (truncated?)");
      }
      opAt = pos;
      int op = in[pos++] & 0xff;
      switch (op) {
        case 0x80 -> { // PROTO
          int p = u8();
          if (p < 2 || p > 5) {
            throw fail("pickle protocol " + p + ", expected 2 to 5");
          }
        }
        case 0x95 -> { // FRAME: a length hint, checked
          long n = le(8);
          if (n < 0 || n > in.length - pos) {
            throw fail("FRAME of " + n + " bytes, but " + (in.length - pos) + " are left");
          }
        }
        case '.' -> { // STOP
          Object v = pop("STOP");
          if (!stack.isEmpty() || !marks.isEmpty()) {
            throw fail("STOP with " + stack.size() + " values left on the stack");
          }
          checkDepth(v);
          return v;
        }
        case '(' -> {
          if (marks.size() >= MAX_MARKS) {
            throw fail("more than " + MAX_MARKS + " open MARKs");
          }
          marks.push(stack.size());
          push(MARK);
        }
        case '}' -> push(new LinkedHashMap<>());
        case ']' -> push(new ArrayList<>());
        case ')' -> push(tuple(List.of()));
        case 'N' -> push(null);
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 'd' -> {
          List<Object> items = popMark("DICT");
          Map<Object, Object> m = new LinkedHashMap<>();
          putPairs(m, items, "DICT");
          push(m);
        }
        case 'l' -> push(new ArrayList<>(popMark("LIST")));
        case 't' -> push(tuple(popMark("TUPLE")));
        case 0x85, 0x86, 0x87 -> {
          int n = op - 0x84;
          need(n, "TUPLE" + n);
          List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
          for (Object o : items) {
            if (o == MARK) {
              throw fail("TUPLE" + n + " over a MARK");
            }
          }
          stack.subList(stack.size() - n, stack.size()).clear();
          push(tuple(items));
        }
        case 's' -> {
          Object v = pop("SETITEM");
          Object k = pop("SETITEM");
          putPairs(target("SETITEM"), Arrays.asList(k, v), "SETITEM");
        }
        case 'u' -> {
          List<Object> items = popMark("SETITEMS");
          putPairs(target("SETITEMS"), items, "SETITEMS");
        }
        case 'a' -> {
          Object v = pop("APPEND");
          appendTo("APPEND", Arrays.asList(v));
        }
        case 'e' -> {
          List<Object> items = popMark("APPENDS");
          appendTo("APPENDS", items);
        }
        case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
        case 0x90 -> { // ADDITEMS
          List<Object> items = popMark("ADDITEMS");
          Object s = peek("ADDITEMS");
          if (!(s instanceof Set<?>)) {
            throw fail("ADDITEMS expects a set, found " + TorchCheckpoint.describe(s));
          }
          @SuppressWarnings("unchecked")
          Set<Object> set = (Set<Object>) s;
          for (Object o : items) {
            set.add(key(o, "ADDITEMS"));
          }
        }
        case 0x91 -> { // FROZENSET
          List<Object> items = popMark("FROZENSET");
          Set<Object> set = new LinkedHashSet<>();
          for (Object o : items) {
            set.add(key(o, "FROZENSET"));
          }
          push(java.util.Collections.unmodifiableSet(set));
        }
        case '0' -> pop("POP");
        case '1' -> popMark("POP_MARK");
        case '2' -> push(peek("DUP"));
        case 'q' -> memoPut(u8());
        case 'r' -> memoPut(le(4) & 0xffffffffL);
        case 0x94 -> memoPut(memo.size());
        case 'h' -> push(memoGet(u8()));
        case 'j' -> push(memoGet(le(4) & 0xffffffffL));
        case 'J' -> push((long) (int) le(4));
        case 'K' -> push((long) u8());
        case 'M' -> push(le(2) & 0xffffL);
        case 0x8a -> push(bigLong(u8()));
        case 0x8b -> {
          long n = le(4);
          if (n < 0 || n > MAX_LONG_BYTES) {
            throw fail("LONG4 of " + n + " bytes, expected at most " + MAX_LONG_BYTES);
          }
          push(bigLong((int) n));
        }
        case 'G' -> push(ByteBuffer.wrap(bytes(8, "BINFLOAT")).order(ByteOrder.BIG_ENDIAN).getDouble());
        case 'X' -> push(utf8(bytes(le(4) & 0xffffffffL, "BINUNICODE")));
        case 0x8c -> push(utf8(bytes(u8(), "SHORT_BINUNICODE")));
        case 0x8d -> push(utf8(bytes(le(8), "BINUNICODE8")));
        case 'B' -> push(bytes(le(4) & 0xffffffffL, "BINBYTES"));
        case 'C' -> push(bytes(u8(), "SHORT_BINBYTES"));
        case 0x8e -> push(bytes(le(8), "BINBYTES8"));
        case 0x96 -> push(bytes(le(8), "BYTEARRAY8"));
        case 'c' -> {
          String module = line("GLOBAL");
          String name = line("GLOBAL");
          push(new Global(module, name));
        }
        case 0x93 -> {
          Object name = pop("STACK_GLOBAL");
          Object module = pop("STACK_GLOBAL");
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw fail("STACK_GLOBAL expects two strings, found " + TorchCheckpoint.describe(module)
                + " and " + TorchCheckpoint.describe(name));
          }
          push(new Global(m, n));
        }
        case 'R' -> {
          Object args = pop("REDUCE");
          Object callable = pop("REDUCE");
          push(reduce(callable, args, "REDUCE"));
        }
        case 0x81 -> {
          Object args = pop("NEWOBJ");
          Object cls = pop("NEWOBJ");
          push(reduce(cls, args, "NEWOBJ"));
        }
        case 0x92 -> { // NEWOBJ_EX
          Object kwargs = pop("NEWOBJ_EX");
          Object args = pop("NEWOBJ_EX");
          Object cls = pop("NEWOBJ_EX");
          Opaque o = opaque(cls, args, "NEWOBJ_EX");
          o.dictItems().put("**kwargs", kwargs);
          push(o);
        }
        case 'b' -> {
          Object state = pop("BUILD");
          Object obj = peek("BUILD");
          if (obj instanceof Opaque o) {
            o.setState(state);
          } else if (!(obj instanceof Map<?, ?> || obj instanceof Tensor)) {
            // An OrderedDict's attributes (torch's _metadata) and a Parameter's state are dropped;
            // anything else cannot take state.
            throw fail("BUILD on " + TorchCheckpoint.describe(obj) + ", which takes no state");
          }
        }
        case 'Q' -> {
          Object pid = pop("BINPERSID");
          push(persistent(pid));
        }
        default -> throw fail("unknown or unsupported opcode 0x" + String.format("%02x", op)
            + (op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "")
            + "; only the data opcodes torch.save writes are read");
      }
    }
  }

  // ---- the whitelisted constructors

  private Object reduce(Object callable, Object args, String opName) throws TorchCheckpointFormatException {
    if (!(callable instanceof Global g)) {
      throw fail(opName + " expects a class or function, found " + TorchCheckpoint.describe(callable));
    }
    if (!(args instanceof Tuple a)) {
      throw fail(opName + " expects an argument tuple, found " + TorchCheckpoint.describe(args));
    }
    String q = g.module() + "." + g.name();
    switch (q) {
      case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
        if (a.size() < 4) {
          throw fail(q + " expects (storage, offset, size, stride, ...), found " + a.size() + " arguments");
        }
        return rebuildTensor(a.get(0), a.get(1), a.get(2), a.get(3));
      }
      case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
        if (a.size() < 1 || !(a.get(0) instanceof Tensor t)) {
          throw fail(q + " expects a tensor first, found "
              + (a.size() < 1 ? "no arguments" : TorchCheckpoint.describe(a.get(0))));
        }
        return t;
      }
      case "collections.OrderedDict" -> {
        if (a.size() == 0) {
          return new LinkedHashMap<>();
        }
        return new Opaque(g.module(), g.name(), a);
      }
      case "_codecs.encode" -> {
        // protocol 2 writes a Python 3 bytes object as _codecs.encode(text, 'latin1')
        if (a.size() == 2 && a.get(0) instanceof String text && a.get(1) instanceof String enc
            && (enc.equals("latin1") || enc.equals("latin-1"))) {
          byte[] b = new byte[text.length()];
          for (int i = 0; i < b.length; i++) {
            char c = text.charAt(i);
            if (c > 0xff) {
              throw fail("_codecs.encode(..., 'latin1') of a character above U+00FF");
            }
            b[i] = (byte) c;
          }
          return b;
        }
        return new Opaque(g.module(), g.name(), a);
      }
      case "torch.device" -> {
        if (a.size() >= 1 && a.get(0) instanceof String s) {
          return a.size() >= 2 && a.get(1) instanceof Long i ? s + ":" + i : s;
        }
        return new Opaque(g.module(), g.name(), a);
      }
      case "torch.Size" -> {
        if (a.size() == 1 && a.get(0) instanceof Tuple t) {
          return t;
        }
        return new Opaque(g.module(), g.name(), a);
      }
      case "builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset" -> {
        Set<Object> s = new LinkedHashSet<>();
        if (a.size() == 1 && a.get(0) instanceof List<?> items) {
          for (Object o : items) {
            s.add(key(o, q));
          }
          return s;
        } else if (a.size() == 0) {
          return s;
        }
        return new Opaque(g.module(), g.name(), a);
      }
      default -> {
        return new Opaque(g.module(), g.name(), a);
      }
    }
  }

  private Opaque opaque(Object cls, Object args, String opName) throws TorchCheckpointFormatException {
    if (!(cls instanceof Global g) || !(args instanceof Tuple a)) {
      throw fail(opName + " expects a class and an argument tuple, found " + TorchCheckpoint.describe(cls)
          + " and " + TorchCheckpoint.describe(args));
    }
    return new Opaque(g.module(), g.name(), a);
  }

  private Storage persistent(Object pid) throws TorchCheckpointFormatException {
    if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
      throw fail("BINPERSID expects ('storage', type, key, location, numel), found " + TorchCheckpoint.describe(pid));
    }
    if (!(t.get(1) instanceof Global type) || !(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel)) {
      throw fail("BINPERSID expects ('storage', torch.<X>Storage, 'key', location, numel), found ("
          + t.get(1) + ", " + TorchCheckpoint.describe(t.get(2)) + ", ..., " + TorchCheckpoint.describe(t.get(4)) + ")");
    }
    StorageType dtype = "torch".equals(type.module()) ? StorageType.of(type.name()) : null;
    if (dtype == null) {
      throw fail("storage type " + type + " is not read (float32/64/16, bfloat16, int64/32/16/8, uint8 and bool are)");
    }
    if (numel < 0) {
      throw fail("storage '" + key + "' declares " + numel + " elements");
    }
    Storage known = storages.get(key);
    if (known != null) {
      if (known.dtype() != dtype || known.numel() != numel) {
        throw fail("storage '" + key + "' is named as " + type + " of " + numel + " and as " + known.type()
            + " of " + known.numel());
      }
      return known;
    }
    if (numel > TorchCheckpoint.MAX_STORAGE_BYTES / dtype.bytes) {
      throw fail("storage '" + key + "' declares " + numel + " elements, more than can be read");
    }
    byte[] data = archive.storage(key);
    if (data.length != numel * dtype.bytes) {
      throw fail("storage '" + key + "' declares " + numel + " " + type.name() + " elements ("
          + numel * dtype.bytes + " bytes) but its entry holds " + data.length + " bytes");
    }
    Storage s = new Storage(type.toString(), dtype, data, numel);
    storages.put(key, s);
    return s;
  }

  private Tensor rebuildTensor(Object storage, Object offsetV, Object sizeV, Object strideV)
      throws TorchCheckpointFormatException {
    if (!(storage instanceof Storage s)) {
      throw fail("_rebuild_tensor expects a storage first, found " + TorchCheckpoint.describe(storage));
    }
    if (!(offsetV instanceof Long offset) || offset < 0) {
      throw fail("_rebuild_tensor expects a non-negative offset, found " + TorchCheckpoint.describe(offsetV));
    }
    if (!(sizeV instanceof Tuple size) || !(strideV instanceof Tuple stride) || size.size() != stride.size()) {
      throw fail("_rebuild_tensor expects size and stride tuples of one length, found "
          + TorchCheckpoint.describe(sizeV) + " and " + TorchCheckpoint.describe(strideV));
    }
    int rank = size.size();
    int[] shape = new int[rank];
    long[] strides = new long[rank];
    long count = 1;
    long extent = 0;
    for (int i = 0; i < rank; i++) {
      if (!(size.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE
          || !(stride.get(i) instanceof Long st) || st < 0 || st > Integer.MAX_VALUE) {
        throw fail("tensor size " + size.items() + " / stride " + stride.items()
            + ": dimensions and strides must be integers from 0 to 2^31-1");
      }
      shape[i] = (int) (long) d;
      strides[i] = st;
      count = Math.multiplyHigh(count, d) != 0 || count * d > Integer.MAX_VALUE - 8 ? -1 : count * d;
      if (count < 0) {
        throw fail("tensor size " + size.items() + " has too many elements for one Java array");
      }
      if (d > 0) {
        // each term <= 2^31 * numel < 2^62, and the sum is capped before it can overflow
        extent = Math.min(extent + (d - 1) * st, s.numel() + 1);
      }
    }
    if (count > 0 && (offset >= s.numel() || offset + extent >= s.numel())) {
      throw fail("tensor of size " + size.items() + ", stride " + stride.items() + " at offset " + offset
          + " reaches past its storage of " + s.numel() + " elements");
    }
    if (count > s.numel()) {
      throw fail("tensor of size " + size.items() + " with stride " + stride.items()
          + " holds more elements than its storage (" + s.numel() + "): an expanded view; save it with .contiguous()");
    }
    long outBytes = count * (s.dtype() == StorageType.I64 ? 8 : 4);
    materialized += outBytes;
    if (materialized > budget) {
      throw fail("the tensors would take more than " + budget + " bytes, 4x the pickle plus 64 MiB"
          + " (views re-reading one storage many times?)");
    }
    int n = (int) count;
    ByteBuffer b = ByteBuffer.wrap(s.data()).order(ByteOrder.LITTLE_ENDIAN);
    Odometer index = new Odometer(offset, shape, strides);
    return switch (s.dtype()) {
      case F32 -> {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = b.getFloat((int) (index.next() * 4));
        }
        yield new Tensor.F32(shape, out);
      }
      case F64 -> {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = (float) b.getDouble((int) (index.next() * 8));
        }
        yield new Tensor.F32(shape, out);
      }
      case F16 -> {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = Float.float16ToFloat(b.getShort((int) (index.next() * 2)));
        }
        yield new Tensor.F32(shape, out);
      }
      case BF16 -> {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = Float.intBitsToFloat((b.getShort((int) (index.next() * 2)) & 0xffff) << 16);
        }
        yield new Tensor.F32(shape, out);
      }
      case I64 -> {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
          out[i] = b.getLong((int) (index.next() * 8));
        }
        yield new Tensor.I64(shape, out);
      }
      case I32, I16, I8, U8 -> {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
          int at = (int) (index.next() * s.dtype().bytes);
          out[i] = switch (s.dtype()) {
            case I32 -> b.getInt(at);
            case I16 -> b.getShort(at);
            case I8 -> b.get(at);
            default -> b.get(at) & 0xff;
          };
        }
        yield new Tensor.I32(shape, out);
      }
      case BOOL -> {
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
          out[i] = b.get((int) index.next()) != 0;
        }
        yield new Tensor.Bool(shape, out);
      }
    };
  }

  /** Storage element index of each row-major element in turn: offset + sum(i_k * stride_k). */
  private static final class Odometer {
    private final int[] shape;
    private final long[] strides;
    private final int[] at;
    private long cur;

    Odometer(long offset, int[] shape, long[] strides) {
      this.shape = shape;
      this.strides = strides;
      this.at = new int[shape.length];
      this.cur = offset;
    }

    long next() {
      long out = cur;
      for (int k = shape.length - 1; k >= 0; k--) {
        if (++at[k] < shape[k]) {
          cur += strides[k];
          return out;
        }
        cur -= (long) (at[k] - 1) * strides[k];
        at[k] = 0;
      }
      return out;
    }
  }

  // ---- stack, memo and operand helpers

  private void push(Object o) throws TorchCheckpointFormatException {
    if (stack.size() >= MAX_STACK) {
      throw fail("more than " + MAX_STACK + " values on the stack");
    }
    stack.add(o);
  }

  private void need(int n, String opName) throws TorchCheckpointFormatException {
    int floor = marks.isEmpty() ? 0 : marks.peek() + 1;
    if (stack.size() - floor < n) {
      throw fail(opName + " needs " + n + " value(s) on the stack, found " + Math.max(0, stack.size() - floor)
          + (floor > 0 ? " above the last MARK" : "") + " (stack underflow)");
    }
  }

  private Object pop(String opName) throws TorchCheckpointFormatException {
    need(1, opName);
    return stack.removeLast();
  }

  private Object peek(String opName) throws TorchCheckpointFormatException {
    need(1, opName);
    return stack.getLast();
  }

  private List<Object> popMark(String opName) throws TorchCheckpointFormatException {
    if (marks.isEmpty()) {
      throw fail(opName + " expects a MARK on the stack, found none");
    }
    int m = marks.pop();
    List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
    stack.subList(m, stack.size()).clear();
    return items;
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> target(String opName) throws TorchCheckpointFormatException {
    Object t = peek(opName);
    if (t instanceof Map<?, ?> m) {
      return (Map<Object, Object>) m;
    } else if (t instanceof Opaque o) {
      return o.dictItems();
    }
    throw fail(opName + " expects a dict, found " + TorchCheckpoint.describe(t));
  }

  @SuppressWarnings("unchecked")
  private void appendTo(String opName, List<Object> items) throws TorchCheckpointFormatException {
    Object t = peek(opName);
    List<Object> list;
    if (t instanceof ArrayList<?> l) {
      list = (List<Object>) l;
    } else if (t instanceof Opaque o) {
      list = o.listItems();
    } else {
      throw fail(opName + " expects a list, found " + TorchCheckpoint.describe(t));
    }
    list.addAll(items);
  }

  private void putPairs(Map<Object, Object> m, List<Object> items, String opName) throws TorchCheckpointFormatException {
    if (items.size() % 2 != 0) {
      throw fail(opName + " expects key/value pairs, found an odd number (" + items.size() + ") of values");
    }
    for (int i = 0; i < items.size(); i += 2) {
      m.put(key(items.get(i), opName), items.get(i + 1));
    }
  }

  /** A hashable key: what Python would hash by value, or an object hashed by identity. */
  private Object key(Object k, String opName) throws TorchCheckpointFormatException {
    if (keyNodes(k, 0, opName) > MAX_KEY_NODES) {
      throw fail(opName + ": a key of more than " + MAX_KEY_NODES + " values");
    }
    return k;
  }

  /** Values in a key counted with repetition (hashing and comparing walk them all), capped. */
  private int keyNodes(Object k, int counted, String opName) throws TorchCheckpointFormatException {
    if (k == MARK || k instanceof List<?> || k instanceof Map<?, ?> || (k instanceof Set<?> s && !isFrozen(s))) {
      throw fail(opName + ": unhashable key " + (k == MARK ? "MARK" : TorchCheckpoint.describe(k)));
    }
    counted++;
    if (k instanceof Tuple t) {
      for (Object o : t.items()) {
        if (counted > MAX_KEY_NODES) {
          break;
        }
        counted = keyNodes(o, counted, opName);
      }
    } else if (k instanceof Set<?> s) {
      counted += s.size();
    }
    return counted;
  }

  private static boolean isFrozen(Set<?> s) {
    return !(s instanceof LinkedHashSet<?>);
  }

  private Tuple tuple(List<Object> items) throws TorchCheckpointFormatException {
    int depth = 0;
    for (Object o : items) {
      if (o == MARK) {
        throw fail("a MARK inside a tuple");
      }
      if (o instanceof Tuple t) {
        depth = Math.max(depth, tupleDepth.getOrDefault(t, 0));
      }
    }
    if (depth + 1 > TorchCheckpoint.MAX_DEPTH) {
      throw fail("tuples nested deeper than " + TorchCheckpoint.MAX_DEPTH);
    }
    Tuple t = new Tuple(items);
    tupleDepth.put(t, depth + 1);
    return t;
  }

  private final IdentityHashMap<Tuple, Integer> tupleDepth = new IdentityHashMap<>();

  private void memoPut(long index) throws TorchCheckpointFormatException {
    Object top = peek("memo put");
    if (top == MARK) {
      throw fail("memo put of a MARK");
    }
    if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
      throw fail("more than " + MAX_MEMO + " memo entries");
    }
    memo.put(index, top);
  }

  private Object memoGet(long index) throws TorchCheckpointFormatException {
    if (!memo.containsKey(index)) {
      throw fail("memo get of index " + index + ", which was never put (" + memo.size() + " entries)");
    }
    return memo.get(index);
  }

  private int u8() throws TorchCheckpointFormatException {
    if (pos >= in.length) {
      throw fail("truncated: an operand byte expected, the pickle ends");
    }
    return in[pos++] & 0xff;
  }

  private long le(int n) throws TorchCheckpointFormatException {
    if (in.length - pos < n) {
      throw fail("truncated: " + n + " operand bytes expected, " + (in.length - pos) + " left");
    }
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | (in[pos + i] & 0xff);
    }
    pos += n;
    return v;
  }

  private byte[] bytes(long n, String opName) throws TorchCheckpointFormatException {
    if (n < 0 || n > in.length - pos) {
      throw fail(opName + " of " + (n < 0 ? Long.toUnsignedString(n) : n) + " bytes, but " + (in.length - pos) + " are left");
    }
    byte[] b = Arrays.copyOfRange(in, pos, pos + (int) n);
    pos += (int) n;
    return b;
  }

  private Object bigLong(int n) throws TorchCheckpointFormatException {
    byte[] b = bytes(n, "LONG");
    if (n == 0) {
      return 0L;
    }
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = b[n - 1 - i];
    }
    BigInteger v = new BigInteger(be);
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private String utf8(byte[] b) throws TorchCheckpointFormatException {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw fail("a string that is not valid UTF-8");
    }
  }

  private String line(String opName) throws TorchCheckpointFormatException {
    int end = pos;
    while (end < in.length && in[end] != '\n' && end - pos < 1024) {
      end++;
    }
    if (end >= in.length || in[end] != '\n') {
      throw fail(opName + " expects a newline-terminated name of at most 1024 bytes");
    }
    String s = new String(in, pos, end - pos, StandardCharsets.US_ASCII);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw fail(opName + " name with a control or non-ASCII byte");
      }
    }
    pos = end + 1;
    return s;
  }

  /** Rejects cycles and nesting deeper than MAX_DEPTH, without recursion. */
  private void checkDepth(Object root) throws TorchCheckpointFormatException {
    record Frame(Object value, java.util.Iterator<?> children, int depth) {}
    ArrayDeque<Frame> path = new ArrayDeque<>();
    Set<Object> onPath = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    Set<Object> done = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    if (root instanceof Storage s) {
      throw bareStorage(s);
    }
    java.util.Iterator<?> rootChildren = children(root);
    if (rootChildren == null) {
      return;
    }
    path.push(new Frame(root, rootChildren, 1));
    onPath.add(root);
    while (!path.isEmpty()) {
      Frame f = path.peek();
      if (!f.children().hasNext()) {
        path.pop();
        onPath.remove(f.value());
        done.add(f.value());
        continue;
      }
      Object c = f.children().next();
      if (c instanceof Storage s) {
        throw bareStorage(s);
      }
      java.util.Iterator<?> cc = children(c);
      if (cc == null || done.contains(c)) {
        continue;
      }
      if (onPath.contains(c)) {
        opAt = in.length;
        throw fail("the value contains itself (a cycle through " + TorchCheckpoint.describe(c) + "), which is not read");
      }
      if (f.depth() + 1 > TorchCheckpoint.MAX_DEPTH) {
        opAt = in.length;
        throw fail("containers nested deeper than " + TorchCheckpoint.MAX_DEPTH);
      }
      path.push(new Frame(c, cc, f.depth() + 1));
      onPath.add(c);
    }
  }

  private TorchCheckpointFormatException bareStorage(Storage s) {
    opAt = in.length;
    return fail("a bare storage (" + s.type() + " of " + s.numel() + ") outside a tensor, which is not read;"
        + " save tensors instead");
  }

  private static java.util.Iterator<?> children(Object v) {
    if (v instanceof Map<?, ?> m) {
      return java.util.stream.Stream.concat(m.keySet().stream(), m.values().stream()).iterator();
    } else if (v instanceof List<?> l) {
      return l.iterator();
    } else if (v instanceof Set<?> s) {
      return s.iterator();
    } else if (v instanceof Tuple t) {
      return t.items().iterator();
    } else if (v instanceof Opaque o) {
      List<Object> all = new ArrayList<>(o.args().items());
      all.add(o.state());
      all.addAll(o.listItems());
      all.addAll(o.dictItems().keySet());
      all.addAll(o.dictItems().values());
      return all.iterator();
    }
    return null;
  }
}
