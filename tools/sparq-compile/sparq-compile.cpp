//===- sparq-compile.cpp - Model in, compressed compiled model out --------===//
//
//   sparq-compile model.{mlir,onnx} [--recipe r.yaml] -o out.{mlir,ll,o,so}
//                 [--report r.json] [--emit=mlir|llvm|obj|so|ptx]
//                 [--target=host|sm_80|sm_90|gfx90a|gfx942]
//                 [--pipeline=NAME] [--entry=main] [--compile-threads=N]
//                 [--quiet]
//
// Reads (or imports) the model, runs the recipe, reports, lowers with a
// registered pipeline and writes the artifact atomically. The work is done by
// the libraries (Recipe, Target/CPU); this file is command line and I/O.
//
//===----------------------------------------------------------------------===//

#include "sparq/InitAll.h"
#include "sparq/Pipelines/Pipelines.h"
#include "sparq/Recipe/Passes.h"
#include "sparq/Recipe/Recipe.h"
#include "sparq/Target/CPU/Emit.h"
#include "sparq/Target/CPU/ModelABI.h"

#ifdef SPARQ_HAVE_ONNX
#include "sparq/Target/ONNX/ImportONNX.h"
#endif

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace mlir::sparq;
namespace cl = llvm::cl;

static cl::OptionCategory category("sparq-compile options");

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.mlir|model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::Required,
                                       cl::desc("Output file"),
                                       cl::value_desc("path"),
                                       cl::cat(category));
static cl::opt<std::string> recipePath("recipe",
                                       cl::desc("Compression recipe (YAML)"),
                                       cl::value_desc("r.yaml"),
                                       cl::cat(category));
static cl::opt<std::string>
    reportPath("report", cl::desc("Write the per-layer report as JSON"),
               cl::value_desc("r.json"), cl::cat(category));

enum class Emit { Auto, Mlir, Llvm, Obj, So, Ptx };
static cl::opt<Emit> emitKind(
    "emit", cl::desc("What to write (default: from the output's extension)"),
    cl::values(clEnumValN(Emit::Mlir, "mlir",
                          "the compressed model, before lowering"),
               clEnumValN(Emit::Llvm, "llvm", "LLVM IR (.ll), optimized"),
               clEnumValN(Emit::Obj, "obj", "a host object file (.o)"),
               clEnumValN(Emit::So, "so",
                          "a shared library with the model C ABI (.so)"),
               clEnumValN(Emit::Ptx, "ptx",
                          "the GPU kernels' assembly: PTX for sm_*, AMDGPU "
                          "assembly for gfx* (GPU targets only)")),
    cl::init(Emit::Auto), cl::cat(category));
static cl::opt<std::string>
    target("target", cl::init("host"),
           cl::desc("Target: host (CPU), or a GPU chip (sm_80, sm_90: NVIDIA; "
                    "gfx90a, gfx942: AMD) compiled with the sparq-gpu "
                    "pipeline; GPU .so outputs link libsparq_gpu_runtime"),
           cl::cat(category));
static cl::opt<std::string> pipelineName(
    "pipeline",
    cl::desc("Lowering pipeline: a registered pipeline or textual pass "
             "pipeline (default: sparq-cpu if registered, else "
             "sparq-cpu-reference)"),
    cl::cat(category));
static cl::opt<std::string> entryName("entry", cl::init("main"),
                                      cl::desc("The model's entry function"),
                                      cl::cat(category));
static cl::opt<unsigned>
    threads("compile-threads", cl::init(0),
            cl::desc("Compiler threads (0: all hardware threads)"),
            cl::cat(category));
static cl::opt<bool> quiet("quiet",
                           cl::desc("No progress lines or report table"),
                           cl::cat(category));
static cl::opt<bool>
    printPipeline("print-pipeline",
                  cl::desc("Print the recipe's pass pipeline to stdout"),
                  cl::cat(category));
static cl::opt<std::string>
    runtimeLib("runtime-lib",
               cl::desc("libSparqRuntime.a to link into .so outputs"),
               cl::value_desc("path"), cl::cat(category));

namespace {

/// Progress lines on stderr with the time each step took.
class Progress {
public:
  void begin(const Twine &what) {
    if (quiet)
      return;
    llvm::errs() << "[sparq-compile] " << what << "...\n";
    start = std::chrono::steady_clock::now();
  }
  void end() {
    if (quiet)
      return;
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    llvm::errs() << llvm::format("[sparq-compile]   done in %.2f s\n", s);
  }

private:
  std::chrono::steady_clock::time_point start;
};

int fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "sparq-compile") << message << "\n";
  return 1;
}

/// True if `a` and `b` name the same existing file.
bool sameFile(StringRef a, StringRef b) {
  bool result = false;
  return !llvm::sys::fs::equivalent(a, b, result) && result;
}

/// Writes `data` to `path` through a temporary file and a rename.
LogicalResult writeAtomically(StringRef path, StringRef data) {
  if (llvm::Error err = llvm::writeToOutput(path, [&](raw_ostream &os) {
        os << data;
        return llvm::Error::success();
      })) {
    fail("cannot write '" + path + "': " + llvm::toString(std::move(err)));
    return failure();
  }
  return success();
}

/// The libSparqRuntime.a to link: --runtime-lib, the build tree's, or the
/// install tree's (<bindir>/../<libdir>).
std::string findRuntimeLib(const char *argv0) {
  if (!runtimeLib.empty())
    return runtimeLib;
#ifdef SPARQ_RUNTIME_LIB_BUILD
  if (llvm::sys::fs::exists(SPARQ_RUNTIME_LIB_BUILD))
    return SPARQ_RUNTIME_LIB_BUILD;
#endif
  std::string exe = llvm::sys::fs::getMainExecutable(argv0, (void *)&fail);
  SmallString<256> path(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(path, "..", SPARQ_INSTALL_LIBDIR,
                          "libSparqRuntime.a");
  return std::string(path);
}

/// Finds a program on PATH or in LLVM 22's bin directory.
std::optional<std::string> findProgram(ArrayRef<StringRef> names) {
  for (StringRef name : names) {
    if (auto found = llvm::sys::findProgramByName(name))
      return *found;
    if (auto found =
            llvm::sys::findProgramByName(name, {"/usr/lib/llvm-22/bin"}))
      return *found;
  }
  return std::nullopt;
}

/// True for GPU targets (sm_*, gfx*).
bool isGpuTarget() { return isGpuChip(target); }

/// The GPU kernels' assembly (PTX or AMDGPU assembly) of every gpu.binary
/// in `module`, in order.
FailureOr<std::string> collectGpuAssembly(ModuleOp module) {
  std::string text;
  bool any = false;
  WalkResult walk = module.walk([&](gpu::BinaryOp binary) {
    for (Attribute a : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(a);
      if (object.getFormat() != gpu::CompilationTarget::Assembly) {
        binary.emitError() << "--emit=ptx needs the pipeline's format=isa";
        return WalkResult::interrupt();
      }
      text += object.getObject().getValue();
      any = true;
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (!any)
    return fail("the model has no GPU kernel (no compressed matmul the GPU "
                "kernels cover); nothing to write for --emit=ptx"),
           failure();
  return text;
}

/// Links `object` and the runtime into a shared library at `outPath`,
/// through a temporary file in the same directory and a rename; GPU models
/// also link libsparq_gpu_runtime.so (found next to the CPU runtime, with
/// an rpath to it).
LogicalResult linkSharedLibrary(StringRef object, StringRef outPath,
                                const char *argv0) {
  std::string runtime = findRuntimeLib(argv0);
  if (!llvm::sys::fs::exists(runtime))
    return fail("cannot find the Sparq runtime library '" + runtime +
                "' (build target SparqRuntime, or pass --runtime-lib)"),
           failure();
  auto clang = findProgram({"clang-22", "clang"});
  if (!clang)
    return fail("cannot find clang-22 to link the shared library"), failure();

  SmallString<128> objPath, soPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("sparq-model", "o", objPath))
    return fail("cannot create a temporary file: " + ec.message()), failure();
  auto removeObj = llvm::scope_exit([&] { llvm::sys::fs::remove(objPath); });
  if (failed(writeAtomically(objPath, object)))
    return failure();
  // The temporary .so lives next to the output, so the rename is atomic.
  soPath = outPath;
  soPath += ".tmp-%%%%%%";
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(soPath, fd, soPath))
    return fail("cannot write '" + outPath + "': " + ec.message()), failure();
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  auto removeSo = llvm::scope_exit([&] { llvm::sys::fs::remove(soPath); });

  SmallVector<StringRef> args{*clang, "-shared", "-o", soPath, objPath, runtime,
                              // Export the runtime's thread control even if
                              // the model does not call the runtime.
                              "-Wl,-u,sparq_rt_set_num_threads",
                              "-Wl,-u,sparq_rt_get_num_threads",
                              // Calls inside the model bind to the model, not
                              // to another loaded model's symbols.
                              "-Wl,-Bsymbolic", "-lstdc++", "-lpthread", "-lm"};
  if (findProgram({"ld.lld-22", "ld.lld"}))
    args.push_back("-fuse-ld=lld");
  std::string gpuRuntime, rpath;
  if (isGpuTarget()) {
    SmallString<256> dir(llvm::sys::path::parent_path(runtime));
    if (dir.empty())
      dir = ".";
    llvm::sys::fs::make_absolute(dir);
    SmallString<256> lib(dir);
    llvm::sys::path::append(lib, "libsparq_gpu_runtime.so");
    if (!llvm::sys::fs::exists(lib))
      return fail("cannot find the GPU runtime '" + lib +
                  "' (build target sparq_gpu_runtime)"),
             failure();
    gpuRuntime = std::string(lib);
    rpath = "-Wl,-rpath," + std::string(dir);
    args.push_back(gpuRuntime);
    args.push_back(rpath);
  }
  std::string message;
  int rc =
      llvm::sys::ExecuteAndWait(*clang, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0)
    return fail("linking the shared library failed (" + *clang + " exited " +
                Twine(rc) + (message.empty() ? "" : ": " + message) + ")"),
           failure();
  if (std::error_code ec = llvm::sys::fs::rename(soPath, outPath))
    return fail("cannot write '" + outPath + "': " + ec.message()), failure();
  removeSo.release();
  return success();
}

/// The default lowering pipeline.
std::string defaultPipeline() {
  if (mlir::PassPipelineInfo::lookup("sparq-cpu"))
    return "sparq-cpu";
  return "sparq-cpu-reference";
}

/// Adds `spec` (a registered pipeline name or a textual pipeline) to `pm`.
LogicalResult addPipeline(OpPassManager &pm, StringRef spec) {
  std::string text = spec.str();
  std::string errorText;
  llvm::raw_string_ostream errors(errorText);
  if (failed(parsePassPipeline(text, pm, errors)))
    return fail("invalid --pipeline '" + spec + "': " + errorText), failure();
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  registerAllSparqPasses();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Sparq model compiler: compress a model with a recipe and compile it\n");

  // What to emit, from --emit or the output's extension.
  Emit emit = emitKind;
  StringRef ext = llvm::sys::path::extension(outputPath);
  if (emit == Emit::Auto) {
    emit = llvm::StringSwitch<Emit>(ext)
               .Case(".mlir", Emit::Mlir)
               .Case(".ll", Emit::Llvm)
               .Case(".o", Emit::Obj)
               .Case(".so", Emit::So)
               .Cases({".ptx", ".s"}, Emit::Ptx)
               .Default(Emit::Auto);
    if (emit == Emit::Auto)
      return fail("cannot tell what to emit from '" + outputPath +
                  "'; use --emit=mlir|llvm|obj|so|ptx");
  }
  if (target != "host" && !isGpuTarget())
    return fail("unsupported --target '" + target +
                "' (expected host, or a GPU chip: sm_80 or newer, gfx90a, gfx942, ...)");
  if (emit == Emit::Ptx && !isGpuTarget())
    return fail("--emit=ptx needs a GPU --target (sm_80, sm_90, gfx90a, ...)");
  if (outputPath == "-" && (emit == Emit::Obj || emit == Emit::So))
    return fail("binary outputs need a file (-o path), not stdout");
  // Never overwrite the inputs.
  for (StringRef in : {StringRef(inputPath), StringRef(recipePath)}) {
    if (in.empty())
      continue;
    if (sameFile(in, outputPath) || in == outputPath)
      return fail("output '" + outputPath + "' is the input '" + in +
                  "'; refusing to overwrite it");
    if (!reportPath.empty() && (sameFile(in, reportPath) || in == reportPath))
      return fail("report '" + reportPath + "' is the input '" + in +
                  "'; refusing to overwrite it");
  }

  // Fail before the work if an output directory cannot be written.
  for (StringRef out : {StringRef(outputPath), StringRef(reportPath)}) {
    if (out.empty() || out == "-")
      continue;
    StringRef dir = llvm::sys::path::parent_path(out);
    if (dir.empty())
      dir = ".";
    if (llvm::sys::fs::access(dir, llvm::sys::fs::AccessMode::Write))
      return fail("cannot write '" + out + "': directory '" + dir +
                  "' does not exist or is not writable");
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllSparqDialects(registry);
  // GPU targets serialize kernels through LLVM IR (gpu-module-to-binary).
  registerAllToLLVMIRTranslations(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  std::unique_ptr<llvm::ThreadPoolInterface> threadPool;
  if (threads != 1) {
    threadPool = std::make_unique<llvm::DefaultThreadPool>(
        llvm::hardware_concurrency(threads));
    context.setThreadPool(*threadPool);
  }
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  Progress progress;

  // The recipe first: its errors are cheap to find.
  std::optional<Recipe> recipe;
  if (!recipePath.empty()) {
    FailureOr<Recipe> parsed = parseRecipeFile(recipePath, &context);
    if (failed(parsed))
      return 1;
    recipe = std::move(*parsed);
  }

  // 1. Read or import the model.
  OwningOpRef<ModuleOp> module;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  if (llvm::sys::path::extension(inputPath) == ".onnx") {
#ifdef SPARQ_HAVE_ONNX
    progress.begin("importing " + inputPath);
    ImportOptions importOptions;
    auto imported = importONNXFile(inputPath, &context, importOptions);
    if (failed(imported))
      return 1;
    module = std::move(*imported);
    progress.end();
#else
    return fail("cannot read '" + inputPath +
                "': this sparq-compile was built without the ONNX importer "
                "(SparqImportONNX); convert the model to MLIR first");
#endif
  } else {
    progress.begin("parsing " + inputPath);
    std::string error;
    auto file = openInputFile(inputPath, &error);
    if (!file)
      return fail("cannot read '" + inputPath + "': " + error);
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return 1;
    progress.end();
  }

  // 2. Compress with the recipe, then report.
  PassManager compress(&context);
  if (recipe)
    buildRecipePipeline(compress, *recipe);
  if (printPipeline) {
    compress.printAsTextualPipeline(llvm::outs());
    llvm::outs() << "\n";
  }
  if (!reportPath.empty() || (!quiet && !recipePath.empty())) {
    SparqReportOptions report;
    report.json = reportPath;
    report.table = !quiet;
    compress.addPass(createSparqReport(report));
  }
  if (!compress.getPasses().empty()) {
    progress.begin(recipePath.empty() ? Twine("reporting")
                                      : "compressing with " + recipePath);
    if (failed(compress.run(*module)))
      return 1;
    progress.end();
  }

  if (emit == Emit::Mlir) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    if (outputPath == "-") {
      llvm::outs() << text;
      return 0;
    }
    return failed(writeAtomically(outputPath, text)) ? 1 : 0;
  }

  // 3. Add the model ABI and lower to the LLVM dialect.
  FailureOr<ModelSignature> signature = addModelABI(*module, entryName);
  if (failed(signature))
    return 1;
  std::string pipeline =
      !pipelineName.empty() ? std::string(pipelineName)
      : isGpuTarget()       ? "sparq-gpu{chip=" + target + " format=isa}"
                            : defaultPipeline();
  PassManager lower(&context);
  if (failed(addPipeline(lower, pipeline)))
    return 1;
  progress.begin("lowering with " + pipeline);
  if (failed(lower.run(*module)))
    return 1;
  if (failed(finalizeModelABI(*module, *signature)))
    return 1;
  progress.end();
  if (emit == Emit::Ptx) {
    FailureOr<std::string> text = collectGpuAssembly(*module);
    if (failed(text))
      return 1;
    if (outputPath == "-") {
      llvm::outs() << *text;
      return 0;
    }
    return failed(writeAtomically(outputPath, *text)) ? 1 : 0;
  }

  // 4. LLVM IR, object, shared library.
  progress.begin("translating to LLVM IR and optimizing (-O3, " +
                 getHostCPUDescription() + ")");
  llvm::LLVMContext llvmContext;
  auto llvmModule = translateForHost(*module, llvmContext);
  if (failed(llvmModule))
    return 1;
  progress.end();
  if (emit == Emit::Llvm) {
    std::string text;
    llvm::raw_string_ostream os(text);
    (*llvmModule)->print(os, nullptr);
    if (outputPath == "-") {
      llvm::outs() << text;
      return 0;
    }
    return failed(writeAtomically(outputPath, text)) ? 1 : 0;
  }
  progress.begin("generating host code");
  std::string error;
  FailureOr<std::string> object = emitHostObject(**llvmModule, error);
  if (failed(object))
    return fail(error);
  progress.end();
  if (emit == Emit::Obj)
    return failed(writeAtomically(outputPath, *object)) ? 1 : 0;

  progress.begin("linking " + outputPath);
  if (failed(linkSharedLibrary(*object, outputPath, argv[0])))
    return 1;
  progress.end();
  return 0;
}
