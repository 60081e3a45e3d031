//===- sparq-run.cpp - Run a compiled model on .npy inputs ----------------===//
//
//   sparq-run model.so --input x.npy [--input ...] [--labels y.npy]
//             [--reference ref.so] [--repeat N] [--threads N]
//             [--json out.json] [--output out.npy]
//
// Loads a model compiled by sparq-compile (C ABI: include/sparq-c/Model.h),
// runs it on the inputs (row by row when the model takes batch 1 and the
// .npy holds B rows) and reports outputs, top-1 accuracy, agreement with a
// reference model and latency.
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace cl = llvm::cl;
using llvm::StringRef;
using llvm::Twine;

static cl::OptionCategory category("sparq-run options");
static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.so>"),
                                      cl::cat(category));
static cl::list<std::string> inputPaths("input", cl::OneOrMore,
                                        cl::desc("Input .npy, one per model "
                                                 "input, in order"),
                                        cl::value_desc("x.npy"),
                                        cl::cat(category));
static cl::opt<std::string> labelsPath("labels",
                                       cl::desc("int64 labels for top-1 "
                                                "accuracy of output 0"),
                                       cl::value_desc("y.npy"),
                                       cl::cat(category));
static cl::opt<std::string>
    referencePath("reference",
                  cl::desc("A reference model to compare outputs with"),
                  cl::value_desc("ref.so"), cl::cat(category));
static cl::opt<unsigned> repeat("repeat", cl::init(1),
                                cl::desc("Run over all inputs N times (for "
                                         "latency)"),
                                cl::cat(category));
/// --threads N / --threads=N: runtime threads (0: the runtime's default).
/// Parsed by hand: libLLVM.so already registers a `threads` option.
static int numThreads = 0;
static cl::opt<std::string> jsonPath("json",
                                     cl::desc("Write the results as JSON"),
                                     cl::value_desc("out.json"),
                                     cl::cat(category));
static cl::opt<std::string> outputNpy("output",
                                      cl::desc("Write output 0 of every row "
                                               "as .npy"),
                                      cl::value_desc("out.npy"),
                                      cl::cat(category));

namespace {

[[noreturn]] void die(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "sparq-run") << message << "\n";
  exit(1);
}

//===----------------------------------------------------------------------===//
// .npy: little-endian float32 / int64, C order (a strict reader)
//===----------------------------------------------------------------------===//

struct Array {
  std::string dtype; // "float32" or "int64"
  std::vector<int64_t> shape;
  std::vector<char> data;
  int64_t numElements() const {
    return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                           std::multiplies<int64_t>());
  }
};

int64_t bytesOf(StringRef dtype) {
  return llvm::StringSwitch<int64_t>(dtype)
      .Cases({"float32", "int32"}, 4)
      .Cases({"float64", "int64"}, 8)
      .Case("float16", 2)
      .Cases({"int8", "uint8"}, 1)
      .Default(0);
}

/// Value of `'key': ` in a numpy header dict, up to the next top-level comma.
std::optional<std::string> headerField(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "':").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 3).ltrim();
  if (rest.starts_with("(")) {
    size_t close = rest.find(')');
    if (close == StringRef::npos)
      return std::nullopt;
    return rest.take_front(close + 1).str();
  }
  return rest.take_until([](char c) { return c == ',' || c == '}'; })
      .trim()
      .str();
}

Array readNpy(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    die("cannot read '" + path + "': " + buffer.getError().message());
  StringRef bytes = (*buffer)->getBuffer();
  auto bad = [&](const Twine &why) -> Array {
    die("'" + path + "' is not a supported .npy file: " + why);
  };
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return bad("missing the \\x93NUMPY magic");
  unsigned major = uint8_t(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return bad("truncated header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return bad("unknown format version " + Twine(major));
  }
  if (bytes.size() < offset + headerLen)
    return bad("truncated header");
  StringRef header = bytes.substr(offset, headerLen);
  auto descr = headerField(header, "descr");
  auto fortran = headerField(header, "fortran_order");
  auto shape = headerField(header, "shape");
  if (!descr || !fortran || !shape)
    return bad("header lacks descr, fortran_order or shape");
  Array array;
  if (*descr == "'<f4'")
    array.dtype = "float32";
  else if (*descr == "'<i8'")
    array.dtype = "int64";
  else
    return bad("dtype " + *descr +
               " (supported: little-endian float32 '<f4' and int64 '<i8')");
  if (*fortran != "False")
    return bad("Fortran order (save a C-order array)");
  StringRef dims = StringRef(*shape).drop_front().drop_back();
  llvm::SmallVector<StringRef> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    int64_t d;
    if (part.trim().getAsInteger(10, d) || d < 0)
      return bad("shape " + *shape);
    array.shape.push_back(d);
  }
  size_t size = array.numElements() * bytesOf(array.dtype);
  if (bytes.size() - offset - headerLen != size)
    return bad("data is " + Twine(bytes.size() - offset - headerLen) +
               " bytes, shape " + *shape + " needs " + Twine(size));
  const char *data = bytes.data() + offset + headerLen;
  array.data.assign(data, data + size);
  return array;
}

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  return "[" +
         llvm::join(llvm::map_range(
                        shape, [](int64_t d) { return std::to_string(d); }),
                    ", ") +
         "]";
}

/// Writes a float32 C-order .npy atomically.
void writeNpy(StringRef path, llvm::ArrayRef<int64_t> shape,
              llvm::ArrayRef<float> values) {
  std::string dims;
  for (int64_t d : shape)
    dims += std::to_string(d) + ",";
  if (shape.size() > 1)
    dims.pop_back();
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  if (llvm::Error err = llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
        os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
           << char(header.size() >> 8) << header;
        os.write(reinterpret_cast<const char *>(values.data()),
                 values.size() * sizeof(float));
        return llvm::Error::success();
      }))
    die("cannot write '" + path + "': " + llvm::toString(std::move(err)));
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

struct TensorInfo {
  std::string name, dtype;
  std::vector<int64_t> shape;
  int64_t numElements() const {
    return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                           std::multiplies<int64_t>());
  }
  int64_t bytes() const { return numElements() * bytesOf(dtype); }
};

struct Model {
  std::string path;
  void *handle = nullptr;
  int32_t (*run)(void **, void **) = nullptr;
  std::vector<TensorInfo> inputs, outputs;
};

std::vector<TensorInfo> parseTensors(const llvm::json::Array *list,
                                     StringRef path) {
  std::vector<TensorInfo> out;
  if (!list)
    die("'" + path + "': malformed model signature");
  for (const llvm::json::Value &v : *list) {
    const llvm::json::Object *o = v.getAsObject();
    const llvm::json::Array *shape = o ? o->getArray("shape") : nullptr;
    auto name = o ? o->getString("name") : std::nullopt;
    auto dtype = o ? o->getString("dtype") : std::nullopt;
    if (!shape || !name || !dtype || !bytesOf(*dtype))
      die("'" + path + "': malformed model signature");
    TensorInfo t{name->str(), dtype->str(), {}};
    for (const llvm::json::Value &d : *shape)
      t.shape.push_back(d.getAsInteger().value_or(-1));
    out.push_back(std::move(t));
  }
  return out;
}

/// argv[0], to find the libraries next to this executable.
const char *gArgv0 = "sparq-run";

Model loadModel(StringRef path) {
  Model model;
  model.path = path.str();
  if (!llvm::sys::fs::exists(path))
    die("cannot open model '" + path + "': no such file");
  // RTLD_LOCAL: two models define the same symbols.
  model.handle = dlopen(model.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model.handle) {
    std::string error = dlerror();
    // A GPU model needs libsparq_gpu_runtime.so, found through its rpath on
    // the machine that compiled it; elsewhere (a GPU machine running a model
    // compiled on another one) take the one next to this sparq-run
    // (bin/../lib), loaded globally so that the model's dependency resolves
    // to it.
    if (StringRef(error).contains("libsparq_gpu_runtime.so")) {
      llvm::SmallString<256> lib(llvm::sys::path::parent_path(
          llvm::sys::path::parent_path(llvm::sys::fs::getMainExecutable(
              gArgv0, reinterpret_cast<void *>(&loadModel)))));
      llvm::sys::path::append(lib, "lib", "libsparq_gpu_runtime.so");
      if (llvm::sys::fs::exists(lib) &&
          dlopen(lib.c_str(), RTLD_NOW | RTLD_GLOBAL))
        model.handle = dlopen(model.path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!model.handle)
        error += " (and no usable " + std::string(lib) + ")";
    }
    if (!model.handle)
      die("cannot load model '" + path + "': " + error);
  }
  auto signature = reinterpret_cast<const char *(*)()>(
      dlsym(model.handle, "sparq_model_signature"));
  model.run = reinterpret_cast<int32_t (*)(void **, void **)>(
      dlsym(model.handle, "sparq_model_run"));
  if (!signature || !model.run)
    die("'" + path +
        "' is not a model compiled by sparq-compile (it lacks "
        "sparq_model_signature / sparq_model_run)");
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(signature());
  if (!json)
    die("'" + path +
        "': malformed model signature: " + llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    die("'" + path + "': malformed model signature");
  model.inputs = parseTensors(root->getArray("inputs"), path);
  model.outputs = parseTensors(root->getArray("outputs"), path);
  if (numThreads > 0) {
    if (auto set = reinterpret_cast<void (*)(int32_t)>(
            dlsym(model.handle, "sparq_rt_set_num_threads")))
      set(numThreads);
  }
  return model;
}

/// How the inputs map onto calls: `rows` calls, each reading `rowBytes[i]`
/// at `row * rowBytes[i]` of input i.
struct Batching {
  int64_t rows = 1;
  std::vector<int64_t> rowBytes;
};

Batching planBatching(const Model &model, const std::vector<Array> &arrays) {
  if (arrays.size() != model.inputs.size())
    die("the model takes " + Twine(model.inputs.size()) + " input(s), got " +
        Twine(arrays.size()) + " --input file(s)");
  Batching plan;
  std::optional<int64_t> rows;
  for (auto [i, t] : llvm::enumerate(model.inputs)) {
    const Array &a = arrays[i];
    if (a.dtype != t.dtype)
      die("input " + Twine(i) + " ('" + t.name + "') is " + t.dtype +
          ", but '" + inputPaths[i] + "' holds " + a.dtype);
    int64_t r;
    if (a.shape == t.shape) {
      r = 1;
    } else if (!t.shape.empty() && t.shape[0] == 1 && !a.shape.empty() &&
               std::equal(a.shape.begin() + 1, a.shape.end(),
                          t.shape.begin() + 1, t.shape.end())) {
      r = a.shape[0]; // B rows for a batch-1 model: one call per row.
    } else {
      die("input " + Twine(i) + " ('" + t.name + "') has shape " +
          shapeString(t.shape) + ", but '" + inputPaths[i] + "' holds " +
          shapeString(a.shape) +
          (t.shape.empty() || t.shape[0] != 1 ? ""
                                              : " (or [B, ...] rows of it)"));
    }
    if (rows && *rows != r)
      die("inputs hold different numbers of rows (" + Twine(*rows) + " and " +
          Twine(r) + ")");
    rows = r;
    plan.rowBytes.push_back(t.bytes());
  }
  plan.rows = rows.value_or(1);
  return plan;
}

/// Runs every row once; returns each output's rows concatenated and the
/// per-call times in microseconds.
std::vector<std::vector<char>> runAll(const Model &model,
                                      std::vector<Array> &arrays,
                                      const Batching &plan,
                                      std::vector<double> *times) {
  std::vector<std::vector<char>> outputs;
  for (const TensorInfo &t : model.outputs)
    outputs.emplace_back(plan.rows * t.bytes());
  // Aligned staging buffers: .npy data is not necessarily aligned.
  std::vector<std::vector<uint64_t>> inBufs, outBufs;
  for (auto [i, t] : llvm::enumerate(model.inputs))
    inBufs.emplace_back((plan.rowBytes[i] + 7) / 8);
  for (const TensorInfo &t : model.outputs)
    outBufs.emplace_back((t.bytes() + 7) / 8);
  std::vector<void *> ins, outs;
  for (auto &b : inBufs)
    ins.push_back(b.data());
  for (auto &b : outBufs)
    outs.push_back(b.data());
  for (int64_t row = 0; row < plan.rows; ++row) {
    for (size_t i = 0; i < ins.size(); ++i)
      std::memcpy(ins[i], arrays[i].data.data() + row * plan.rowBytes[i],
                  plan.rowBytes[i]);
    auto start = std::chrono::steady_clock::now();
    int32_t rc = model.run(ins.data(), outs.data());
    auto stop = std::chrono::steady_clock::now();
    if (rc != 0)
      die("'" + model.path + "' failed on row " + Twine(row) + " (code " +
          Twine(rc) + ")");
    if (times)
      times->push_back(
          std::chrono::duration<double, std::micro>(stop - start).count());
    for (size_t j = 0; j < outs.size(); ++j) {
      int64_t bytes = model.outputs[j].bytes();
      std::memcpy(outputs[j].data() + row * bytes, outs[j], bytes);
    }
  }
  return outputs;
}

/// Output values as doubles.
std::vector<double> asDoubles(const TensorInfo &t, const std::vector<char> &d) {
  size_t n = d.size() / bytesOf(t.dtype);
  std::vector<double> out(n);
  for (size_t k = 0; k < n; ++k) {
    const char *p = d.data() + k * bytesOf(t.dtype);
    if (t.dtype == "float32") {
      float v;
      std::memcpy(&v, p, 4);
      out[k] = v;
    } else if (t.dtype == "float64") {
      std::memcpy(&out[k], p, 8);
    } else if (t.dtype == "int64") {
      int64_t v;
      std::memcpy(&v, p, 8);
      out[k] = double(v);
    } else if (t.dtype == "int32") {
      int32_t v;
      std::memcpy(&v, p, 4);
      out[k] = v;
    } else if (t.dtype == "int8") {
      out[k] = int8_t(*p);
    } else if (t.dtype == "uint8") {
      out[k] = uint8_t(*p);
    } else {
      out[k] = NAN; // float16: not summarized
    }
  }
  return out;
}

/// argmax of each row of `rows` rows.
std::vector<int64_t> top1(const std::vector<double> &values, int64_t rows) {
  int64_t classes = values.size() / rows;
  std::vector<int64_t> out(rows);
  for (int64_t r = 0; r < rows; ++r)
    out[r] = std::max_element(values.begin() + r * classes,
                              values.begin() + (r + 1) * classes) -
             (values.begin() + r * classes);
  return out;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  gArgv0 = argv[0];
  std::vector<char *> args;
  for (int i = 0; i < argc; ++i) {
    StringRef arg = argv[i];
    std::optional<StringRef> value;
    if (arg == "--threads" || arg == "-threads") {
      if (i + 1 == argc)
        die("--threads needs a value");
      value = argv[++i];
    } else if (arg.consume_front("--threads=") ||
               arg.consume_front("-threads=")) {
      value = arg;
    }
    if (!value) {
      args.push_back(argv[i]);
      continue;
    }
    if (value->getAsInteger(10, numThreads) || numThreads < 0)
      die("--threads needs a number >= 0, got '" + *value + "'");
  }
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      int(args.size()), args.data(),
      "Run a model compiled by sparq-compile on .npy inputs\n\n"
      "  --threads=<N>  runtime threads (0: the runtime's default)\n");
  if (repeat == 0)
    die("--repeat must be at least 1");

  Model model = loadModel(modelPath);
  std::vector<Array> arrays;
  for (const std::string &path : inputPaths)
    arrays.push_back(readNpy(path));
  Batching plan = planBatching(model, arrays);

  // One untimed warm-up call, then `repeat` timed passes.
  {
    Batching one = plan;
    one.rows = 1;
    runAll(model, arrays, one, nullptr);
  }
  std::vector<double> times;
  std::vector<std::vector<char>> outputs;
  for (unsigned r = 0; r < repeat; ++r)
    outputs = runAll(model, arrays, plan, &times);

  llvm::json::Object result{{"model", model.path}, {"rows", plan.rows}};
  llvm::outs() << "model: " << model.path << " (" << plan.rows
               << (plan.rows == 1 ? " call" : " rows, one call each") << ")\n";
  llvm::json::Array outputsJson;
  for (auto [j, t] : llvm::enumerate(model.outputs)) {
    std::vector<double> v = asDoubles(t, outputs[j]);
    auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
    llvm::outs() << "output " << j << " '" << t.name << "': " << t.dtype << " "
                 << shapeString(t.shape) << " x " << plan.rows
                 << llvm::format(": min %.6g, max %.6g, mean %.6g", *mn, *mx,
                                 mean)
                 << "\n  row 0:";
    for (int64_t k = 0, e = std::min<int64_t>(t.numElements(), 10); k < e; ++k)
      llvm::outs() << llvm::format(" %.6g", v[k]);
    llvm::outs() << (t.numElements() > 10 ? " ...\n" : "\n");
    outputsJson.push_back(
        llvm::json::Object{{"name", t.name},
                           {"dtype", t.dtype},
                           {"shape", llvm::json::Array(t.shape)},
                           {"min", *mn},
                           {"max", *mx},
                           {"mean", mean}});
  }
  result["outputs"] = std::move(outputsJson);

  if (!outputNpy.empty()) {
    const TensorInfo &t = model.outputs[0];
    if (t.dtype != "float32")
      die("--output writes float32 outputs only; output 0 is " + t.dtype);
    std::vector<int64_t> shape = t.shape;
    if (plan.rows > 1)
      shape[0] = plan.rows;
    std::vector<float> values(outputs[0].size() / 4);
    std::memcpy(values.data(), outputs[0].data(), outputs[0].size());
    writeNpy(outputNpy, shape, values);
  }

  // Top-1 accuracy of output 0 (rows of class scores).
  std::vector<double> scores = asDoubles(model.outputs[0], outputs[0]);
  if (!labelsPath.empty()) {
    Array labels = readNpy(labelsPath);
    if (labels.dtype != "int64" || labels.numElements() != plan.rows)
      die("labels '" + labelsPath + "' must be int64 with " + Twine(plan.rows) +
          " elements (one per row), got " + labels.dtype + " " +
          shapeString(labels.shape));
    std::vector<int64_t> predicted = top1(scores, plan.rows);
    int64_t correct = 0;
    for (int64_t r = 0; r < plan.rows; ++r) {
      int64_t label;
      std::memcpy(&label, labels.data.data() + 8 * r, 8);
      correct += predicted[r] == label;
    }
    double accuracy = 100.0 * correct / plan.rows;
    llvm::outs() << llvm::format("accuracy: %.2f%% (%lld/%lld top-1)\n",
                                 accuracy, (long long)correct,
                                 (long long)plan.rows);
    result["accuracy"] = accuracy / 100.0;
    result["correct"] = correct;
  }

  if (!referencePath.empty()) {
    Model reference = loadModel(referencePath);
    if (reference.inputs.size() != model.inputs.size() ||
        reference.outputs.size() != model.outputs.size())
      die("reference '" + referencePath + "' has a different signature");
    for (size_t i = 0; i < model.inputs.size(); ++i)
      if (reference.inputs[i].shape != model.inputs[i].shape ||
          reference.inputs[i].dtype != model.inputs[i].dtype)
        die("reference '" + referencePath + "' input " + Twine(i) +
            " differs from the model's");
    for (size_t j = 0; j < model.outputs.size(); ++j)
      if (reference.outputs[j].shape != model.outputs[j].shape ||
          reference.outputs[j].dtype != model.outputs[j].dtype)
        die("reference '" + referencePath + "' output " + Twine(j) +
            " differs from the model's");
    auto refOutputs = runAll(reference, arrays, plan, nullptr);
    double maxDiff = 0;
    for (size_t j = 0; j < model.outputs.size(); ++j) {
      std::vector<double> a = asDoubles(model.outputs[j], outputs[j]);
      std::vector<double> b = asDoubles(reference.outputs[j], refOutputs[j]);
      for (size_t k = 0; k < a.size(); ++k)
        maxDiff = std::max(maxDiff, std::fabs(a[k] - b[k]));
    }
    std::vector<int64_t> p = top1(scores, plan.rows);
    std::vector<int64_t> q =
        top1(asDoubles(reference.outputs[0], refOutputs[0]), plan.rows);
    int64_t agree = 0;
    for (int64_t r = 0; r < plan.rows; ++r)
      agree += p[r] == q[r];
    double agreement = 100.0 * agree / plan.rows;
    llvm::outs() << llvm::format(
        "reference: max abs diff %.6g, top-1 agreement %.2f%% (%lld/%lld)\n",
        maxDiff, agreement, (long long)agree, (long long)plan.rows);
    result["reference"] =
        llvm::json::Object{{"model", reference.path},
                           {"max_abs_diff", maxDiff},
                           {"top1_agreement", agreement / 100.0}};
  }

  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  double median =
      sorted.size() % 2
          ? sorted[sorted.size() / 2]
          : 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
  double mean = std::accumulate(times.begin(), times.end(), 0.0) / times.size();
  llvm::outs() << llvm::format(
      "latency: median %.2f us, mean %.2f us per call (%zu calls)\n", median,
      mean, times.size());
  result["latency_us"] = llvm::json::Object{
      {"median", median}, {"mean", mean}, {"calls", int64_t(times.size())}};

  if (!jsonPath.empty())
    if (llvm::Error err =
            llvm::writeToOutput(jsonPath, [&](llvm::raw_ostream &os) {
              os << llvm::formatv("{0:2}", llvm::json::Value(std::move(result)))
                 << "\n";
              return llvm::Error::success();
            }))
      die("cannot write '" + jsonPath + "': " + llvm::toString(std::move(err)));
  return 0;
}
