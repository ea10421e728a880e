// The accessibility matrix of every question kind and a poll, data-theme="light" (see a11y-kinds.mjs).
import { kindMatrix } from './a11y-kinds.mjs';

kindMatrix('light');
