// Form errors the server names by field (`{"error":{"field":…}}`): shown under that field,
// cleared before the next try. errors is a reactive object with one entry per field.
export function clearErrors(errors) {
  for (const k of Object.keys(errors)) errors[k] = ''
}

// true when the error belonged to one of the fields
export function showFieldError(errors, e) {
  if (!(e.field in errors)) return false
  errors[e.field] = e.message
  return true
}
