# The install as a user meets it (ctest: Install.PackageModelsAndCli). Run by tests/CMakeLists.txt as
#   cmake -DBUILD_DIR=B -DWORK_DIR=W -DGENERATOR=G -DCXX_COMPILER=C -DBINDIR=bin -DMODELS_DIR=share/lenet5/models \
#         -P tests/install/check.cmake
# (BINDIR and MODELS_DIR: where the build installs the CLI and the models, relative to the prefix)
# 1. cmake --install B --prefix W/prefix.
# 2. tests/consumer/ (find_package(lenet5), lenet5::lenet5 and lenet5::image) configured against that prefix
#    alone, built without any of this project's flags, and run: it must read seven.png as 7 with the
#    installed modern model.
# 3. The installed CLI must find the installed shipped models, not the source checkout's it was built beside
#    (info --model names the file it read), and read seven.png as 7 with no --model.
# seven.png: a 7 drawn as test_cli.cpp's PredictReadsDrawnDigitsWithTheShippedModels draws it (a bar and a
# slanted stem, 14-pixel pen, 240-pixel page), written by lenet5::write_png.
cmake_minimum_required(VERSION 3.25)
foreach(variable BUILD_DIR WORK_DIR GENERATOR CXX_COMPILER BINDIR MODELS_DIR)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "check.cmake: -D${variable}=... is missing")
  endif()
endforeach()
set(prefix "${WORK_DIR}/prefix")
set(picture "${CMAKE_CURRENT_LIST_DIR}/seven.png")
file(REMOVE_RECURSE "${WORK_DIR}")
unset(ENV{LENET5_MODEL})  # the CLI's default must be the shipped modern model

# Runs a command; stops the check with its output unless it exits 0. Its standard output goes to `out_var`.
function(step name out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${name} failed (${status}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

function(expect name actual expected)
  if(NOT "${actual}" STREQUAL "${expected}")
    message(FATAL_ERROR "${name}: expected '${expected}', got '${actual}'")
  endif()
  message(STATUS "${name}: ${actual}")
endfunction()

step("cmake --install" out "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
set(models "${prefix}/${MODELS_DIR}")
set(cli "${prefix}/${BINDIR}/lenet5")

step("configuring tests/consumer" out "${CMAKE_COMMAND}" -S "${CMAKE_CURRENT_LIST_DIR}/../consumer"
  -B "${WORK_DIR}/consumer" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
step("building tests/consumer" out "${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer")
step("the consumer" label "${WORK_DIR}/consumer/app" "${models}/lenet5-modern.model" "${picture}")
string(STRIP "${label}" label)
expect("the consumer's reading of seven.png" "${label}" "7")

foreach(name modern classic)
  step("lenet5 info --model ${name}" info "${cli}" info --model ${name} --json)
  string(JSON model_file GET "${info}" model)
  # The CLI finds its folder through /proc/self/exe, which has no symbolic links.
  file(REAL_PATH "${models}/lenet5-${name}.model" installed_model)
  expect("the installed CLI's ${name} model" "${model_file}" "${installed_model}")
endforeach()
step("lenet5 predict" answer "${cli}" predict "${picture}" --json)
string(JSON prediction GET "${answer}" prediction)
expect("the installed CLI's reading of seven.png" "${prediction}" "7")
