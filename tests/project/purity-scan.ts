// Finds what would tie the engine to one host: imports of anything but its own files and
// TensorFlow.js, and uses of browser (DOM) globals. Works on the TypeScript AST with a type checker, so
// a local variable named `window` or a property `x.document` is not mistaken for the global.
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

export interface Finding {
  file: string
  line: number
  problem: string
}

export const domGlobals = new Set(['document', 'window', 'navigator', 'HTMLElement', 'localStorage'])
const globalObjects = new Set(['globalThis', 'self', 'window'])

/** Checks whether the engine may import `specifier`: its own files (relative paths) and @tensorflow packages. */
export function isAllowedSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('@tensorflow/')
}

export function listSourceFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(name))
    .map((name) => join(folder, name))
}

/** Scans every source file under `folder`, type-checked with the compiler options of `tsconfigFile`. */
export function scanFolder(folder: string, tsconfigFile: string, reportRoot: string): Finding[] {
  const config = ts.getParsedCommandLineOfConfigFile(tsconfigFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  const files = listSourceFiles(folder)
  const program = ts.createProgram(files, { ...(config?.options ?? {}), noEmit: true, allowJs: true })
  const checker = program.getTypeChecker()
  const findings: Finding[] = []
  for (const file of files) {
    const source = program.getSourceFile(file)
    if (!source) throw new Error(`TypeScript did not load ${file}`)
    scanSource(source, checker, (node, problem) => {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source))
      findings.push({ file: relative(reportRoot, file), line: line + 1, problem })
    })
  }
  return findings
}

function scanSource(source: ts.SourceFile, checker: ts.TypeChecker, report: (node: ts.Node, problem: string) => void): void {
  const checkSpecifier = (node: ts.Node, specifier: ts.Expression | ts.TypeNode | undefined, action: string): void => {
    if (specifier && ts.isLiteralTypeNode(specifier)) specifier = specifier.literal
    if (specifier && ts.isStringLiteralLike(specifier) && !isAllowedSpecifier(specifier.text)) {
      report(node, `${action} '${specifier.text}'`)
    }
  }

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      checkSpecifier(node, node.moduleSpecifier, ts.isImportDeclaration(node) ? 'imports' : 're-exports from')
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      checkSpecifier(node, node.moduleReference.expression, 'imports')
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      checkSpecifier(node, node.arguments[0], 'dynamically imports')
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      checkSpecifier(node, node.arguments[0], 'requires')
    } else if (ts.isImportTypeNode(node)) {
      checkSpecifier(node, node.argument, 'imports types from')
    } else if (ts.isIdentifier(node) && domGlobals.has(node.text) && usesGlobal(node, checker)) {
      report(node, `uses the DOM global '${node.text}'`)
    } else if (ts.isElementAccessExpression(node) && isGlobalObject(node.expression)) {
      const key = node.argumentExpression
      if (ts.isStringLiteralLike(key) && domGlobals.has(key.text)) report(node, `uses the DOM global '${key.text}'`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
}

// Sees through parentheses and casts, as in `(globalThis as Record<string, unknown>)['document']`.
function isGlobalObject(node: ts.Expression): boolean {
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isTypeAssertionExpression(node)) {
    node = node.expression
  }
  return ts.isIdentifier(node) && globalObjects.has(node.text)
}

// An identifier refers to the DOM global when it is a property of a global object (globalThis.window),
// or a free name that resolves to no declaration in the scanned files.
function usesGlobal(node: ts.Identifier, checker: ts.TypeChecker): boolean {
  const parent = node.parent
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return isGlobalObject(parent.expression)
  if (ts.isQualifiedName(parent) && parent.right === node) return false
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false
  if ((ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) && parent.name === node) {
    return false
  }
  const symbol = ts.isShorthandPropertyAssignment(parent)
    ? checker.getShorthandAssignmentValueSymbol(parent)
    : checker.getSymbolAtLocation(node)
  if (!symbol) return true
  const declarations = symbol.declarations ?? []
  return declarations.length === 0 || declarations.every((declaration) => declaration.getSourceFile().hasNoDefaultLib)
}
