import type { Department } from '../api'

export interface DeptNode {
  id: string
  name: string
  parent_id: string | null
  children: DeptNode[]
  dept: Department
}

/** Build the department forest; rows whose parent is unknown become roots. */
export function buildTree(rows: Department[]): DeptNode[] {
  const byId = new Map<string, DeptNode>()
  for (const d of rows) byId.set(d.id, { id: d.id, name: d.name, parent_id: d.parent_id, children: [], dept: d })
  const roots: DeptNode[] = []
  for (const n of byId.values()) {
    const p = n.parent_id ? byId.get(n.parent_id) : undefined
    if (p) p.children.push(n)
    else roots.push(n)
  }
  const sort = (l: DeptNode[]) => {
    l.sort((a, b) => a.name.localeCompare(b.name))
    l.forEach((x) => sort(x.children))
  }
  sort(roots)
  return roots
}

/** Ids of a node and everything below it. */
export function subtreeIds(n: DeptNode): Set<string> {
  const s = new Set<string>()
  const walk = (x: DeptNode) => {
    s.add(x.id)
    x.children.forEach(walk)
  }
  walk(n)
  return s
}
