# -*- Python -*-
# lit configuration for Sparq's regression tests.

import os
import shutil
import subprocess

import lit.formats
import lit.util
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SPARQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "consumer"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sparq_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%sparq_src_root", config.sparq_src_root))
config.substitutions.append(("%sparq_obj_root", config.sparq_obj_root))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(
    ("%mlir_c_runner_utils",
     os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so")))
config.substitutions.append(
    ("%mlir_runner_utils",
     os.path.join(config.mlir_lib_dir, "libmlir_runner_utils.so")))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%generator", config.cmake_generator))
config.substitutions.append(("%cxx", config.cxx_compiler))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%mlir_dir", config.mlir_dir))
config.substitutions.append(("%host_python", config.host_python))
config.substitutions.append(
    ("%sparq_gpu_runtime_lib",
     os.path.join(config.sparq_obj_root, "lib", "libsparq_gpu_runtime.so")))
config.substitutions.append(
    ("%sparq_runtime_lib",
     os.path.join(config.sparq_obj_root, "lib", "libsparq_runtime.so")))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.sparq_tools_dir, config.llvm_tools_dir]
tools = ["sparq-opt", "sparq-runtime-test", "sparse-kernels-test",
         "sparq-translate", "sparq-compile", "sparq-run", "mlir-runner",
         "mlir-opt", "mlir-translate", "llc", "FileCheck", "not", "count",
         "llvm-nm", "llvm-objdump"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.sparq_tools_dir, append_path=True)

# Optional features: tests that need them say REQUIRES.
def has_python_module(module):
    try:
        subprocess.run([config.host_python, "-c", "import " + module],
                       check=True, capture_output=True)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False

# The host CPU has AVX-512 VNNI (the runtime's fast kernels run).
try:
    with open("/proc/cpuinfo") as f:
        if "avx512_vnni" in f.read():
            config.available_features.add("avx512-vnni")
except OSError:
    pass

if has_python_module("numpy"):
    config.available_features.add("numpy")
# ONNX importer tests generate their models with python3-onnx.
if has_python_module("onnx") and has_python_module("numpy"):
    config.available_features.add("onnx")

ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas"
    if os.path.exists("/usr/local/cuda/bin/ptxas") else None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# An NVIDIA driver (libcuda.so.1) is loadable: tests of the GPU runtime's
# no-driver errors are unsupported there.
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass

# sparq-compile reads .onnx files when the build has the ONNX importer.
if os.path.exists(os.path.join(config.sparq_obj_root, "lib",
                               "libSparqImportONNX.a")):
    config.available_features.add("onnx-importer")
