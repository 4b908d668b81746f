"""The process library: each module that defines ``build() -> list[ProcessBuilder]`` contributes
models; tools/build_library.py writes them to processes/<key>.bpmn."""
