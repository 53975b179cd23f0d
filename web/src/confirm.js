// "Ask, then do": a warning box with a confirm and a 取消 button; when confirmed,
// run action. Cancelling does nothing; a failed request's message is shown by
// the API client, so it is not shown again here.
import { ElMessage, ElMessageBox } from 'element-plus'

export async function confirmThen(message, title, confirmButtonText, action) {
  try {
    await ElMessageBox.confirm(message, title, { type: 'warning', confirmButtonText, cancelButtonText: '取消' })
  } catch {
    return
  }
  try {
    await action()
  } catch {
    /* message shown by the API client */
  }
}

// Disable an enabled row or enable a disabled one, after asking: the title and
// the success message are 停用/启用 with the noun (停用单位, 单位已停用);
// update(disable) sends the change, reload() shows it.
export function confirmToggleDisabled(row, { noun, disableMessage, enableMessage, update, reload }) {
  const disable = !row.disabled
  const verb = disable ? '停用' : '启用'
  return confirmThen(disable ? disableMessage : enableMessage, verb + noun, verb, async () => {
    await update(disable)
    ElMessage.success(`${noun}已${verb}`)
    reload()
  })
}
