// The recogniser's model files, where @npr/recognition looks for them: $MODELS_DIR, else the
// repository's models/. Tests that need the real models skip where they are absent.
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './dev-photos';

export const MODEL_FILES = ['detector.onnx', 'reader.onnx'].map((f) => path.join(process.env.MODELS_DIR ?? path.join(REPO_ROOT, 'models'), f));
export const HAS_MODELS = MODEL_FILES.every((f) => fs.existsSync(f));
