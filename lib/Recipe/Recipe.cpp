//===- Recipe.cpp - Compression recipes (YAML) ----------------------------===//
//
// Reads recipes with LLVM's YAML I/O into "raw" structs that remember where
// each value was written, then resolves every step into a spec string that
// is parsed and verified here, so that all errors name the recipe line.
//
//===----------------------------------------------------------------------===//

#include "sparq/Recipe/Recipe.h"

#include "sparq/Dialect/Sparq/IR/SparqAttrs.h"
#include "sparq/Dialect/Sparq/IR/SparqDialect.h"
#include "sparq/Dialect/Sparq/Transforms/Passes.h"
#include "sparq/Recipe/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLTraits.h"

#include <optional>

using namespace mlir;
using namespace mlir::sparq;

namespace {

/// A scalar and where it was written.
template <typename T> struct Located {
  T value{};
  llvm::SMLoc loc;
};

using LStr = Located<std::string>;
using LInt = Located<int64_t>;
using LFloat = Located<double>;
using LBool = Located<bool>;

struct RawTargets {
  std::vector<LStr> ops, include, exclude;
  std::optional<LInt> minElements;
};

struct RawQuant {
  std::optional<LStr> spec, type, granularity, scheme, scaleType, rounding,
      search;
  std::optional<LInt> bits, groupSize, axis;
  std::vector<LInt> block;
  std::optional<LBool> globalScale, narrowRange, saturate;
};

struct RawStepCommon {
  std::optional<RawTargets> targets;
  std::optional<LStr> onIncompatible;
};

struct RawQuantizeStep : RawQuant, RawStepCommon {};

struct RawPruneStep : RawStepCommon {
  std::optional<LStr> method, storage;
  std::optional<LFloat> ratio;
  std::optional<LInt> n, m;
  std::vector<LInt> block;
  std::optional<RawQuant> quantize;
};

struct RawShrinkStep : RawStepCommon {
  std::optional<LFloat> ratio;
};

struct RawStep {
  std::optional<RawQuantizeStep> quantize;
  std::optional<RawPruneStep> prune;
  std::optional<RawShrinkStep> shrink;
  llvm::SMLoc loc;
};

struct RawRecipe {
  std::optional<LStr> name, description;
  std::vector<RawStep> steps;
};

/// The location of the node YAML I/O is reading.
llvm::SMLoc currentLoc(llvm::yaml::IO &io) {
  const llvm::yaml::Node *node =
      static_cast<llvm::yaml::Input &>(io).getCurrentNode();
  return node ? node->getSourceRange().Start : llvm::SMLoc();
}

} // namespace

LLVM_YAML_IS_SEQUENCE_VECTOR(LStr)
LLVM_YAML_IS_SEQUENCE_VECTOR(LInt)
LLVM_YAML_IS_SEQUENCE_VECTOR(RawStep)

namespace llvm::yaml {

template <typename T> struct ScalarTraits<Located<T>> {
  static void output(const Located<T> &v, void *ctx, raw_ostream &os) {
    ScalarTraits<T>::output(v.value, ctx, os);
  }
  static StringRef input(StringRef scalar, void *ctx, Located<T> &v) {
    // Plain and simply quoted scalars point into the recipe's buffer.
    v.loc = SMLoc::getFromPointer(scalar.data());
    return ScalarTraits<T>::input(scalar, ctx, v.value);
  }
  static QuotingType mustQuote(StringRef s) {
    return ScalarTraits<T>::mustQuote(s);
  }
};

template <> struct MappingTraits<RawTargets> {
  static void mapping(IO &io, RawTargets &t) {
    io.mapOptional("ops", t.ops);
    io.mapOptional("include", t.include);
    io.mapOptional("exclude", t.exclude);
    io.mapOptional("min_elements", t.minElements);
  }
};

static void mapQuantFields(IO &io, RawQuant &q) {
  io.mapOptional("spec", q.spec);
  io.mapOptional("type", q.type);
  io.mapOptional("bits", q.bits);
  io.mapOptional("granularity", q.granularity);
  io.mapOptional("group_size", q.groupSize);
  io.mapOptional("axis", q.axis);
  io.mapOptional("block", q.block);
  io.mapOptional("scheme", q.scheme);
  io.mapOptional("scale_type", q.scaleType);
  io.mapOptional("global_scale", q.globalScale);
  io.mapOptional("rounding", q.rounding);
  io.mapOptional("narrow_range", q.narrowRange);
  io.mapOptional("saturate", q.saturate);
  io.mapOptional("search", q.search);
}

static void mapCommon(IO &io, RawStepCommon &c) {
  io.mapOptional("targets", c.targets);
  io.mapOptional("on_incompatible", c.onIncompatible);
}

template <> struct MappingTraits<RawQuant> {
  static void mapping(IO &io, RawQuant &q) { mapQuantFields(io, q); }
};

template <> struct MappingTraits<RawQuantizeStep> {
  static void mapping(IO &io, RawQuantizeStep &s) {
    mapQuantFields(io, s);
    mapCommon(io, s);
  }
};

template <> struct MappingTraits<RawPruneStep> {
  static void mapping(IO &io, RawPruneStep &s) {
    io.mapOptional("method", s.method);
    io.mapOptional("ratio", s.ratio);
    io.mapOptional("n", s.n);
    io.mapOptional("m", s.m);
    io.mapOptional("block", s.block);
    io.mapOptional("storage", s.storage);
    io.mapOptional("quantize", s.quantize);
    mapCommon(io, s);
  }
};

template <> struct MappingTraits<RawShrinkStep> {
  static void mapping(IO &io, RawShrinkStep &s) {
    io.mapOptional("ratio", s.ratio);
    mapCommon(io, s);
  }
};

template <> struct MappingTraits<RawStep> {
  static void mapping(IO &io, RawStep &s) {
    s.loc = currentLoc(io);
    io.mapOptional("quantize", s.quantize);
    io.mapOptional("prune", s.prune);
    io.mapOptional("shrink", s.shrink);
  }
};

template <> struct MappingTraits<RawRecipe> {
  static void mapping(IO &io, RawRecipe &r) {
    io.mapOptional("name", r.name);
    io.mapOptional("description", r.description);
    io.mapRequired("steps", r.steps);
  }
};

} // namespace llvm::yaml

namespace {

/// Resolves raw steps, reporting errors at their recipe locations.
class Resolver {
public:
  Resolver(llvm::SourceMgr &sm, MLIRContext *ctx, llvm::raw_ostream &os)
      : sm(sm), ctx(ctx), os(os) {}

  LogicalResult error(llvm::SMLoc loc, const Twine &msg) {
    sm.PrintMessage(os, loc, llvm::SourceMgr::DK_Error, msg);
    return failure();
  }

  unsigned lineOf(llvm::SMLoc loc) {
    return loc.isValid() ? sm.getLineAndColumn(loc).first : 0;
  }

  /// Checks that `value` is one of `allowed`.
  LogicalResult checkEnum(const LStr &value, StringRef what,
                          ArrayRef<StringRef> allowed) {
    if (llvm::is_contained(allowed, value.value))
      return success();
    return error(value.loc,
                 "unknown " + what + " '" + value.value +
                     "'; expected one of: " + llvm::join(allowed, ", "));
  }

  /// Parses `text` as a Sparq spec attribute, reporting MLIR's diagnostics
  /// at `loc`.
  LogicalResult checkSpec(StringRef text, llvm::SMLoc loc, StringRef what) {
    std::string messages;
    Attribute attr;
    {
      ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
        if (!messages.empty())
          messages += "; ";
        messages += diag.str();
        return success();
      });
      attr = parseAttribute(text, ctx);
    }
    if (!attr)
      return error(loc, "invalid " + what + " '" + text + "': " + messages);
    if (!isa<QuantSpecAttr, SparsitySpecAttr, LowRankSpecAttr, SpecAttr>(attr))
      return error(loc, what + " '" + text +
                            "' is not a #sparq.quant, #sparq.sparsity, "
                            "#sparq.low_rank or #sparq.spec attribute");
    return success();
  }

  /// Builds `#sparq.quant<...>` text from the fields of `q` (or takes its
  /// raw `spec`).
  FailureOr<std::string> quantSpec(const RawQuant &q, llvm::SMLoc stepLoc) {
    if (q.spec) {
      bool others = q.type || q.bits || q.granularity || q.groupSize ||
                    q.axis || !q.block.empty() || q.scheme || q.scaleType ||
                    q.globalScale || q.rounding || q.narrowRange ||
                    q.saturate || q.search;
      if (others)
        return error(q.spec->loc, "'spec' cannot be combined with other "
                                  "quantization fields");
      if (failed(checkSpec(q.spec->value, q.spec->loc, "quantization spec")))
        return failure();
      if (!StringRef(q.spec->value).trim().starts_with("#sparq.quant<"))
        return error(q.spec->loc, "quantization 'spec' must be a "
                                  "#sparq.quant<...> attribute");
      return q.spec->value;
    }

    std::string type;
    if (q.type && q.bits)
      return error(q.bits->loc, "give either 'bits' or 'type', not both");
    if (q.type) {
      type = q.type->value;
    } else if (q.bits) {
      if (q.bits->value < 2 || q.bits->value > 8)
        return error(q.bits->loc, "'bits' must be between 2 and 8, got " +
                                      Twine(q.bits->value));
      type = "i" + std::to_string(q.bits->value);
    } else {
      return error(stepLoc, "quantize needs 'bits' (2..8) or 'type' (e.g. "
                            "i8, ui4, f8E4M3FN, f4E2M1FN) or a raw 'spec'");
    }

    std::string granularity = "per_channel";
    llvm::SMLoc gloc = stepLoc;
    if (q.granularity) {
      if (failed(checkEnum(
              *q.granularity, "granularity",
              {"per_tensor", "per_channel", "per_group", "per_block"})))
        return failure();
      granularity = q.granularity->value;
      gloc = q.granularity->loc;
    }
    std::string g;
    if (granularity == "per_tensor") {
      g = "per_tensor";
    } else if (granularity == "per_channel") {
      // Axis 0 of the canonical [out, in] layout: one scale per output.
      g = "per_channel(axis = " + std::to_string(q.axis ? q.axis->value : 0) +
          ")";
    } else if (granularity == "per_group") {
      if (!q.groupSize)
        return error(gloc, "per_group needs 'group_size'");
      if (q.groupSize->value <= 0)
        return error(q.groupSize->loc, "'group_size' must be positive");
      // Groups run along the reduction axis (1) unless said otherwise.
      g = "per_group(axis = " + std::to_string(q.axis ? q.axis->value : 1) +
          ", size = " + std::to_string(q.groupSize->value) + ")";
    } else {
      if (q.block.size() != 2)
        return error(gloc, "per_block needs 'block: [out, in]'");
      g = "per_block(shape = [" + std::to_string(q.block[0].value) + ", " +
          std::to_string(q.block[1].value) + "])";
    }
    if (q.groupSize && granularity != "per_group")
      return error(q.groupSize->loc, "'group_size' needs granularity: "
                                     "per_group");
    if (!q.block.empty() && granularity != "per_block")
      return error(q.block[0].loc, "'block' needs granularity: per_block");
    if (q.axis && granularity != "per_channel" && granularity != "per_group")
      return error(q.axis->loc, "'axis' needs granularity per_channel or "
                                "per_group");

    std::string text = "#sparq.quant<" + type + ", " + g;
    if (q.scheme) {
      if (failed(checkEnum(*q.scheme, "scheme", {"symmetric", "asymmetric"})))
        return failure();
      if (q.scheme->value == "asymmetric")
        text += ", asymmetric";
    }
    if (q.scaleType)
      text += ", scale = " + q.scaleType->value;
    if (q.globalScale && q.globalScale->value)
      text += ", global_scale = f32";
    if (q.rounding) {
      if (failed(checkEnum(*q.rounding, "rounding",
                           {"nearest_even", "nearest_away", "toward_zero"})))
        return failure();
      text += ", rounding = " + q.rounding->value;
    }
    if (q.narrowRange && q.narrowRange->value)
      text += ", narrow_range";
    if (q.saturate && !q.saturate->value)
      text += ", no_saturate";
    if (q.search) {
      if (failed(checkEnum(*q.search, "search", {"minmax", "mse"})))
        return failure();
      text += ", search = " + q.search->value;
    }
    text += ">";
    llvm::SMLoc loc = q.type ? q.type->loc : q.bits ? q.bits->loc : stepLoc;
    if (failed(checkSpec(text, loc, "quantization spec")))
      return failure();
    return text;
  }

  LogicalResult common(const RawStepCommon &c, RecipeStep &step) {
    if (c.onIncompatible) {
      if (failed(checkEnum(*c.onIncompatible, "on_incompatible",
                           {"error", "skip"})))
        return failure();
      step.skipIncompatible = c.onIncompatible->value == "skip";
    }
    if (!c.targets)
      return success();
    const RawTargets &t = *c.targets;
    for (const LStr &op : t.ops) {
      if (!StringRef(op.value).contains('.'))
        return error(op.loc, "op name '" + op.value +
                                 "' must be qualified by its dialect, e.g. "
                                 "linalg.matmul");
      step.targets.ops.push_back(op.value);
    }
    for (auto [list, out] : {std::pair(&t.include, &step.targets.include),
                             std::pair(&t.exclude, &step.targets.exclude)})
      for (const LStr &re : *list) {
        std::string why;
        if (!llvm::Regex(re.value).isValid(why))
          return error(re.loc,
                       "invalid regular expression '" + re.value + "': " + why);
        out->push_back(re.value);
      }
    if (t.minElements) {
      if (t.minElements->value < 0)
        return error(t.minElements->loc, "'min_elements' must be >= 0");
      step.targets.minElements = t.minElements->value;
    }
    return success();
  }

  LogicalResult checkRatio(const std::optional<LFloat> &ratio,
                           llvm::SMLoc stepLoc, StringRef what) {
    if (!ratio)
      return error(stepLoc, what + " needs 'ratio' (a fraction in [0, 1))");
    if (!(ratio->value >= 0.0 && ratio->value < 1.0))
      return error(ratio->loc, "'ratio' must lie in [0, 1), got " +
                                   std::to_string(ratio->value));
    return success();
  }

  FailureOr<RecipeStep> resolve(const RawStep &raw) {
    int kinds = bool(raw.quantize) + bool(raw.prune) + bool(raw.shrink);
    if (kinds != 1)
      return error(raw.loc, "each step must be exactly one of 'quantize', "
                            "'prune' or 'shrink'");
    RecipeStep step;
    step.line = lineOf(raw.loc);

    if (raw.quantize) {
      step.kind = RecipeStepKind::Quantize;
      FailureOr<std::string> spec = quantSpec(*raw.quantize, raw.loc);
      if (failed(spec) || failed(common(*raw.quantize, step)))
        return failure();
      step.spec = *spec;
      return step;
    }

    if (raw.shrink) {
      step.kind = RecipeStepKind::Shrink;
      if (failed(checkRatio(raw.shrink->ratio, raw.loc, "shrink")) ||
          failed(common(*raw.shrink, step)))
        return failure();
      step.ratio = raw.shrink->ratio->value;
      step.spec = "#sparq.sparsity<channel, axis = 0, ratio = " +
                  std::to_string(step.ratio) + ">";
      if (step.skipIncompatible)
        return error(raw.shrink->onIncompatible->loc,
                     "'on_incompatible' does not apply to shrink (layers "
                     "that cannot be shrunk are kept whole, with a remark)");
      return step;
    }

    const RawPruneStep &p = *raw.prune;
    step.kind = RecipeStepKind::Prune;
    if (failed(common(p, step)))
      return failure();
    if (!p.method)
      return error(raw.loc, "prune needs 'method' (magnitude, global, nm, "
                            "block or wanda)");
    if (failed(checkEnum(*p.method, "prune method",
                         {"magnitude", "global", "nm", "block", "wanda"})))
      return failure();
    StringRef method = p.method->value;
    std::string sparsity;
    bool nm = method == "nm" || (method == "wanda" && (p.n || p.m));
    if (nm) {
      if (!p.n || !p.m)
        return error(p.method->loc, "N:M pruning needs 'n' and 'm'");
      if (p.ratio)
        return error(p.ratio->loc, "'ratio' does not apply to N:M pruning");
      // Groups along the reduction axis, as sparse kernels consume them.
      sparsity = "#sparq.sparsity<" + std::to_string(p.n->value) + ":" +
                 std::to_string(p.m->value) + ", axis = 1>";
    } else if (method == "block") {
      if (p.block.size() != 2)
        return error(p.method->loc, "block pruning needs 'block: [out, in]'");
      if (failed(checkRatio(p.ratio, p.method->loc, "block pruning")))
        return failure();
      sparsity = "#sparq.sparsity<block [" + std::to_string(p.block[0].value) +
                 ", " + std::to_string(p.block[1].value) +
                 "], ratio = " + std::to_string(p.ratio->value) + ">";
    } else {
      if (p.n || p.m)
        return error((p.n ? p.n : p.m)->loc,
                     "'n'/'m' need method: nm (or wanda)");
      if (failed(
              checkRatio(p.ratio, p.method->loc, (method + " pruning").str())))
        return failure();
      sparsity = "#sparq.sparsity<unstructured, ratio = " +
                 std::to_string(p.ratio->value) + ">";
    }
    if (!p.block.empty() && method != "block")
      return error(p.block[0].loc, "'block' needs method: block");
    step.global = method == "global";
    step.useActNorm = method == "wanda";
    step.requireActNorm = method == "wanda";
    if (p.storage) {
      if (failed(checkEnum(*p.storage, "storage", {"dense", "sparse"})))
        return failure();
      step.sparseStorage = p.storage->value == "sparse";
    }
    if (step.global && step.sparseStorage)
      return error(p.storage->loc, "global pruning stores dense weights; "
                                   "use method: magnitude for sparse storage");
    if (p.quantize) {
      if (!step.sparseStorage)
        return error(raw.loc, "'quantize' inside 'prune' needs storage: "
                              "sparse (for dense storage, add a separate "
                              "quantize step after the prune step)");
      FailureOr<std::string> q = quantSpec(*p.quantize, raw.loc);
      if (failed(q))
        return failure();
      step.spec =
          "#sparq.spec<sparsity = " + sparsity + ", quant = " + *q + ">";
    } else {
      step.spec = sparsity;
    }
    if (failed(checkSpec(step.spec, p.method->loc, "prune spec")))
      return failure();
    return step;
  }

private:
  llvm::SourceMgr &sm;
  MLIRContext *ctx;
  llvm::raw_ostream &os;
};

/// Forwards YAML I/O's diagnostics (which already carry the file name).
void printYamlDiag(const llvm::SMDiagnostic &diag, void *ctx) {
  diag.print(nullptr, *static_cast<llvm::raw_ostream *>(ctx));
}

} // namespace

FailureOr<Recipe>
mlir::sparq::parseRecipe(std::unique_ptr<llvm::MemoryBuffer> buffer,
                         MLIRContext *context, llvm::raw_ostream &diagOS) {
  context->getOrLoadDialect<SparqDialect>();
  llvm::MemoryBufferRef ref = buffer->getMemBufferRef();
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  Resolver resolver(sm, context, diagOS);

  RawRecipe raw;
  llvm::yaml::Input yin(ref, nullptr, printYamlDiag, &diagOS);
  yin >> raw;
  if (yin.error())
    return failure();

  Recipe recipe;
  recipe.path = ref.getBufferIdentifier().str();
  recipe.name = raw.name ? raw.name->value : "";
  recipe.description = raw.description ? raw.description->value : "";
  if (raw.steps.empty())
    return resolver.error(llvm::SMLoc::getFromPointer(ref.getBufferStart()),
                          "recipe has no steps");
  for (const RawStep &rawStep : raw.steps) {
    FailureOr<RecipeStep> step = resolver.resolve(rawStep);
    if (failed(step))
      return failure();
    recipe.steps.push_back(std::move(*step));
  }
  return recipe;
}

FailureOr<Recipe> mlir::sparq::parseRecipeFile(StringRef path,
                                               MLIRContext *context,
                                               llvm::raw_ostream &diagOS) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (std::error_code ec = buffer.getError()) {
    diagOS << "error: cannot read recipe '" << path << "': " << ec.message()
           << "\n";
    return failure();
  }
  return parseRecipe(std::move(*buffer), context, diagOS);
}

/// `(a)|(b)`: any of the regexes (sparq-annotate anchors the whole).
static std::string joinRegexes(ArrayRef<std::string> res) {
  std::string out;
  for (const std::string &re : res) {
    if (!out.empty())
      out += "|";
    out += "(" + re + ")";
  }
  return out;
}

void mlir::sparq::buildRecipePipeline(OpPassManager &pm, const Recipe &recipe) {
  for (const RecipeStep &step : recipe.steps) {
    if (step.kind == RecipeStepKind::Shrink) {
      SparqShrinkLayersOptions shrink;
      shrink.ratio = step.ratio;
      shrink.ops.assign(step.targets.ops.begin(), step.targets.ops.end());
      shrink.minElements = step.targets.minElements;
      shrink.include = joinRegexes(step.targets.include);
      shrink.exclude = joinRegexes(step.targets.exclude);
      pm.addPass(createSparqShrinkLayers(shrink));
      continue;
    }
    SparqAnnotateOptions annotate;
    annotate.spec = step.spec;
    annotate.ops.assign(step.targets.ops.begin(), step.targets.ops.end());
    annotate.minElements = step.targets.minElements;
    annotate.include = joinRegexes(step.targets.include);
    annotate.exclude = joinRegexes(step.targets.exclude);
    annotate.skipIncompatible = step.skipIncompatible;
    pm.addPass(createSparqAnnotate(annotate));
    switch (step.kind) {
    case RecipeStepKind::Quantize:
      pm.addPass(createSparqQuantize());
      break;
    case RecipeStepKind::Prune: {
      SparqPruneOptions prune;
      prune.global = step.global;
      prune.useActNorm = step.useActNorm;
      prune.requireActNorm = step.requireActNorm;
      pm.addPass(createSparqPrune(prune));
      if (step.sparseStorage)
        pm.addPass(createSparqSparsify());
      else
        pm.addPass(createSparqDropAnnotations());
      break;
    }
    case RecipeStepKind::Shrink:
      break;
    }
  }
}
